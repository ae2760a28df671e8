package dev.switchboard.supervisor;

import dev.switchboard.supervisor.logs.LogPipeline;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every {@link ManagedService} shares: the supervisor's event loop and workers, its stores,
 * logs and probes, its options, and the way back to the other services (dependencies) and to the
 * bus (status updates).
 *
 * @param eventLoop where every callback of a service runs
 * @param metrics the services' meters (states, restarts)
 * @param services a service by name, or null
 * @param publisher publishes a service on {@code services.status}, with why ({@code state}, {@code
 *     stats}, ...)
 */
record ServiceContext(
    Vertx vertx,
    Context eventLoop,
    WorkerExecutor workers,
    ServiceStore store,
    StoreFailures storeFailures,
    ServiceMetrics metrics,
    LogPipeline logs,
    HealthProbe probe,
    Clock clock,
    Supervisor.Options options,
    Function<String, ManagedService> services,
    BiConsumer<ManagedService, String> publisher) {

  /** Runs blocking work (fork, /proc, signals) on the supervisor's workers, not in order. */
  <T> Future<T> blocking(Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  /**
   * Completes on the event loop when {@code future} does or {@code limit} has passed, whichever
   * comes first; never fails.
   */
  Future<Void> within(CompletableFuture<?> future, Duration limit) {
    return Future.fromCompletionStage(
            future.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS), eventLoop)
        .<Void>mapEmpty()
        .recover(failure -> Future.succeededFuture());
  }

  /**
   * Runs {@code then} on the event loop with what {@code future} completes with (null when it
   * fails).
   */
  <T> void whenDone(CompletableFuture<T> future, Consumer<T> then) {
    future.whenComplete((value, failure) -> eventLoop.runOnContext(run -> then.accept(value)));
  }

  long timer(Duration delay, Runnable action) {
    return vertx.setTimer(Math.max(1, delay.toMillis()), id -> action.run());
  }

  void cancelTimer(long timer) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
