package dev.switchboard.supervisor;

import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * What the state machine of one service stores, in two queues, each written one row after the other
 * in the order it happened: the transitions (so that the events' ids keep their order, and their
 * times stay those of the transitions), and the service's row (what is wanted of it, its process: a
 * cleared process never lands before the process it clears). A failed write is logged and counted
 * ({@link StoreFailures}) and the next one goes on.
 */
final class ServiceWrites {

  private final String service;
  private final ServiceStore store;
  private final StoreFailures failures;
  private Future<Void> events = Future.succeededFuture();
  private Future<Void> row = Future.succeededFuture();

  ServiceWrites(String service, ServiceStore store, StoreFailures failures) {
    this.service = service;
    this.store = store;
    this.failures = failures;
  }

  /** {@code running} or {@code stopped}: what a supervisor that starts again brings back. */
  void desired(String desired) {
    row = append(row, "desired", () -> store.desired(service, desired));
  }

  /** The process now running, so that a supervisor that starts again finds it. */
  void process(ServiceProcess process) {
    row =
        append(
            row,
            "process",
            () ->
                store.process(
                    service,
                    process.pid(),
                    process.startTicks(),
                    process.instance(),
                    process.startedAt()));
  }

  void noProcess() {
    row = append(row, "process", () -> store.process(service, null, null, null, null));
  }

  void event(ServiceState state, String reason, Integer pid, Integer exit, Instant at) {
    events = append(events, "event", () -> store.event(service, state, reason, pid, exit, at));
  }

  /**
   * Completes once every write so far is done (neither queue fails): a read of the events after it
   * sees them all.
   */
  Future<Void> recorded() {
    return Future.join(events, row).mapEmpty();
  }

  private Future<Void> append(Future<Void> queue, String operation, Supplier<Future<Void>> write) {
    return queue.compose(done -> failures.watch(service, operation, write.get()).otherwiseEmpty());
  }
}
