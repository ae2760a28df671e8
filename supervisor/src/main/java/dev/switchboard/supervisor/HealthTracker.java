package dev.switchboard.supervisor;

import dev.switchboard.supervisor.definition.HealthCheck;
import dev.switchboard.supervisor.process.Launch;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The health of one service's process: probes it on the check's schedule (at least every second
 * while it starts, so that it is up as soon as it answers), and judges the results, counting
 * consecutive failures against the check's {@code retries} with the grace of its {@code
 * startPeriod} until it first passed. It only judges; the state machine decides what a verdict
 * changes.
 */
final class HealthTracker {

  enum Verdict {
    /** The check passed. */
    HEALTHY,
    /**
     * It failed, but not yet often enough (or still within the start period) to count as unhealthy.
     */
    FAILING,
    /** It failed {@code retries} times in a row. */
    UNHEALTHY
  }

  /** What probing a process needs from its service. */
  record Watch(
      HealthCheck check,
      Instant startedAt,
      Supplier<Launch> launch,
      BooleanSupplier starting,
      BiConsumer<Verdict, String> verdicts) {}

  private static final Duration PROBE_WHILE_STARTING = Duration.ofSeconds(1);

  private final ServiceContext context;

  /**
   * Results of probes sent before the last {@link #watch} or {@link #stop} find another round and
   * are dropped.
   */
  private long round;

  private long timer = -1;
  private Watch watch;

  private int failures;
  private boolean everHealthy;
  private String message;
  private Instant lastCheck;

  HealthTracker(ServiceContext context) {
    this.context = context;
  }

  /** A new start: no result yet. */
  void reset() {
    failures = 0;
    everHealthy = false;
    message = null;
  }

  /** Probes a new process from now on (on a schedule only when its check is not {@code none}). */
  void watch(Watch next) {
    stop();
    watch = next;
    if (next.check().kind() != HealthCheck.Kind.NONE) {
      schedule(round);
    }
  }

  /** No more probes, and the results of those in flight are dropped. */
  void stop() {
    round++;
    context.cancelTimer(timer);
    timer = -1;
    watch = null;
  }

  /** Probes now (refresh); the regular schedule goes on. */
  Future<Void> probeNow() {
    if (watch == null) {
      return Future.succeededFuture();
    }
    long current = round;
    return check()
        .onComplete(
            result -> {
              if (current == round) {
                judge(result);
              }
            })
        .otherwiseEmpty();
  }

  private void schedule(long current) {
    HealthCheck check = watch.check();
    Duration delay =
        watch.starting().getAsBoolean()
            ? Duration.ofMillis(
                Math.min(check.interval().toMillis(), PROBE_WHILE_STARTING.toMillis()))
            : check.interval();
    timer =
        context.timer(
            delay,
            () -> {
              timer = -1;
              if (current == round) {
                check()
                    .onComplete(
                        result -> {
                          if (current == round) {
                            judge(result);
                          }
                          // a verdict may have ended the watch
                          if (current == round) {
                            schedule(current);
                          }
                        });
              }
            });
  }

  private Future<Void> check() {
    return context.probe().check(watch.check(), watch.launch().get());
  }

  private void judge(AsyncResult<Void> result) {
    String failure = result.succeeded() ? null : result.cause().getMessage();
    watch
        .verdicts()
        .accept(
            record(
                result.succeeded(),
                failure,
                watch.check(),
                watch.startedAt(),
                context.clock().instant()),
            failure);
  }

  private Verdict record(
      boolean passed, String failure, HealthCheck check, Instant startedAt, Instant now) {
    lastCheck = now;
    if (passed) {
      failures = 0;
      everHealthy = true;
      message = null;
      return Verdict.HEALTHY;
    }
    message = failure;
    if (!everHealthy && now.isBefore(startedAt.plus(check.startPeriod()))) {
      return Verdict.FAILING;
    }
    failures++;
    return failures >= check.retries() ? Verdict.UNHEALTHY : Verdict.FAILING;
  }

  /** {@code {status, message?, lastCheck?}}; the status is {@code none} while no process runs. */
  JsonObject toJson(boolean running, boolean unhealthy) {
    String status =
        !running
            ? "none"
            : everHealthy && failures == 0 ? "healthy" : unhealthy ? "unhealthy" : "starting";
    JsonObject health = new JsonObject().put("status", status);
    if (message != null) {
      health.put("message", message);
    }
    if (lastCheck != null) {
      health.put("lastCheck", lastCheck.toString());
    }
    return health;
  }
}
