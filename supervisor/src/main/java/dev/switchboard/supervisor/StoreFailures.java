package dev.switchboard.supervisor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store writes that nobody answers with their outcome (a transition, the process of a service, what
 * is wanted of it): every failure is counted in {@code supervisor.store.failures{operation}}, so
 * that a database that stopped taking them shows. The first failure of an outage is logged with the
 * service's name, and the first success after it with how many failed meanwhile: a database that is
 * away while services restart gives two lines, not one per transition. Used on the supervisor's
 * context.
 */
final class StoreFailures {

  static final String METER = "supervisor.store.failures";
  private static final Logger LOG = LoggerFactory.getLogger(StoreFailures.class);

  private final MeterRegistry registry;
  private long failedSinceLogged;

  StoreFailures(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * {@code write}, with its failure counted under {@code operation}, and logged if it is the first
   * of an outage.
   */
  <T> Future<T> watch(String service, String operation, Future<T> write) {
    return write
        .onSuccess(
            done -> {
              if (failedSinceLogged > 0) {
                LOG.info(
                    "supervisor writes to the database work again; {} failed meanwhile (not stored)",
                    failedSinceLogged);
                failedSinceLogged = 0;
              }
            })
        .onFailure(
            failure -> {
              if (failedSinceLogged++ == 0) {
                LOG.warn(
                    "service {}: storing its {} failed: {}; further failures are counted in {}, not logged, until a write succeeds",
                    service,
                    operation,
                    failure.getMessage(),
                    METER);
              }
              Counter.builder(METER)
                  .tag("operation", operation)
                  .description("Supervisor writes to PostgreSQL that failed, by what they stored")
                  .register(registry)
                  .increment();
            });
  }
}
