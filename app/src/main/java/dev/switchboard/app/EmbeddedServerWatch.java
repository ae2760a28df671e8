package dev.switchboard.app;

import dev.switchboard.common.Failures;
import dev.switchboard.common.db.Backoff;
import dev.switchboard.pg.EmbeddedPostgres;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the embedded PostgreSQL the launcher started running: every half second it checks that the
 * postmaster lives, and when it does not, starts it again on the same port (so the services' pools,
 * which make new connections on demand, reconnect by themselves), with capped exponential backoff
 * while the start fails. The loss is logged once, and the return once with how long it took. Runs
 * on a thread of its own, since starting the server blocks.
 */
final class EmbeddedServerWatch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServerWatch.class);
  private static final Duration CHECK_EVERY = Duration.ofMillis(500);
  private static final Duration STOP_WAIT = Duration.ofSeconds(90);

  private final EmbeddedPostgres server;
  private final Backoff backoff = new Backoff(CHECK_EVERY, Duration.ofSeconds(10));
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread watcher = new Thread(runnable, "embedded-postgres-watch");
            watcher.setDaemon(true);
            return watcher;
          });
  private long downSince;
  private int failedStarts;

  private EmbeddedServerWatch(EmbeddedPostgres server) {
    this.server = server;
  }

  static EmbeddedServerWatch start(EmbeddedPostgres server) {
    EmbeddedServerWatch watch = new EmbeddedServerWatch(server);
    watch.schedule(CHECK_EVERY);
    return watch;
  }

  private void schedule(Duration delay) {
    thread.schedule(this::check, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    if (server.running()) {
      schedule(CHECK_EVERY);
      return;
    }
    if (downSince == 0) {
      downSince = System.nanoTime();
      LOG.warn("The embedded PostgreSQL on port {} is gone; starting it again", server.port());
    }
    try {
      server.restartIfDown();
      LOG.info(
          "The embedded PostgreSQL is back on port {} after {} s ({} failed starts)",
          server.port(),
          String.format("%.1f", (System.nanoTime() - downSince) / 1e9),
          failedStarts);
      downSince = 0;
      failedStarts = 0;
      backoff.reset();
      schedule(CHECK_EVERY);
    } catch (IOException | RuntimeException e) {
      if (failedStarts++ == 0) {
        LOG.warn(
            "Starting the embedded PostgreSQL again failed, retrying with backoff: {}",
            Failures.describe(e).lines().findFirst().orElse(""));
      } else {
        LOG.debug("Starting the embedded PostgreSQL again failed", e);
      }
      schedule(backoff.next());
    }
  }

  /** Stops watching, waiting for a start under way, so that the server can then be closed. */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
