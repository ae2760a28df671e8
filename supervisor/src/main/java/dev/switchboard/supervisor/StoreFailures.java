package dev.switchboard.supervisor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store writes that nobody answers with their outcome (a transition, the process of a service, what
 * is wanted of it): a failure is logged with the service's name and counted in {@code
 * supervisor.store.failures{operation}}, so that a database that stopped taking them shows.
 */
final class StoreFailures {

  static final String METER = "supervisor.store.failures";
  private static final Logger LOG = LoggerFactory.getLogger(StoreFailures.class);

  private final MeterRegistry registry;

  StoreFailures(MeterRegistry registry) {
    this.registry = registry;
  }

  /** {@code write}, with its failure logged and counted under {@code operation}. */
  <T> Future<T> watch(String service, String operation, Future<T> write) {
    return write.onFailure(
        failure -> {
          LOG.warn(
              "service {}: storing its {} failed: {}", service, operation, failure.getMessage());
          Counter.builder(METER)
              .tag("operation", operation)
              .description("Supervisor writes to PostgreSQL that failed, by what they stored")
              .register(registry)
              .increment();
        });
  }
}
