package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.common.db.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The writes of a service's state machine that nobody waits on: on a store whose pool is closed,
 * each failure is counted by operation, the first is logged with the service's name (one line per
 * outage, not one per transition), and the writes after it still run.
 */
class ServiceWritesTest {

  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(StoreFailures.class);
  private Pool pool;

  @BeforeEach
  void closedStore() {
    pool = Database.pool(vertx, "postgresql://127.0.0.1:1/switchboard", 1, "closed");
    pool.close().await();
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void close() {
    logger.detachAppender(logged);
    vertx.close().await();
  }

  @Test
  void everyFailedWriteIsCountedByOperationAndTheOutageLoggedOnceWithTheService() {
    ServiceWrites writes =
        new ServiceWrites("web", new ServiceStore(pool), new StoreFailures(registry));

    writes.desired("running");
    writes.event(ServiceState.STARTING, "starting", null, null, Instant.now());
    writes.event(ServiceState.FAILED, "cannot start", null, null, Instant.now());
    writes.noProcess();
    writes.recorded().await();

    assertThat(failures("desired")).isEqualTo(1);
    assertThat(failures("event")).isEqualTo(2);
    assertThat(failures("process")).isEqualTo(1);
    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .singleElement()
        .satisfies(
            message -> assertThat(message).startsWith("service web: storing its desired failed"));
  }

  private double failures(String operation) {
    return registry.get(StoreFailures.METER).tag("operation", operation).counter().count();
  }
}
