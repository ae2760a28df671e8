package dev.switchboard.supervisor;

import dev.switchboard.common.config.Durations;
import dev.switchboard.supervisor.definition.Dependency;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waits of {@code dependsOn} around one service: its own wait for what it depends on (started
 * first if it is not wanted or has failed), and the services waiting for it to be {@code started}
 * or {@code healthy}. Each wait ends when the condition is met, when the service waited for fails
 * or stops, or when its time is up.
 */
final class DependencyWaiters {

  private record Waiter(Dependency.Condition condition, Promise<Void> promise) {}

  private static final Logger LOG = LoggerFactory.getLogger(DependencyWaiters.class);

  private final ServiceContext context;
  private final List<Waiter> waiters = new ArrayList<>();

  DependencyWaiters(ServiceContext context) {
    this.context = context;
  }

  /**
   * Completes when every one of {@code dependencies} meets its condition; fails with the first that
   * does not.
   */
  Future<Void> allReady(List<Dependency> dependencies) {
    return Future.all(dependencies.stream().map(this::ready).toList()).mapEmpty();
  }

  private Future<Void> ready(Dependency dependency) {
    ManagedService other = context.services().apply(dependency.name());
    if (other == null) {
      return Future.failedFuture("dependency " + dependency.name() + " is not defined");
    }
    ServiceState state = other.state();
    if (!other.wanted() || state.failed() || state == ServiceState.STOPPED) {
      // why it could not start is in its own state and log; this wait fails with it
      other.start().onFailure(failure -> LOG.debug("{}: {}", other.name(), failure.getMessage()));
    }
    return other
        .await(dependency.condition(), context.options().dependencyTimeout())
        .recover(
            failure ->
                Future.failedFuture(
                    "dependency "
                        + dependency.name()
                        + " did not become "
                        + dependency.condition().wire()
                        + ": "
                        + failure.getMessage()));
  }

  /** {@code db (healthy), cache (started)} */
  static String describe(List<Dependency> dependencies) {
    return String.join(
        ", ",
        dependencies.stream()
            .map(dependency -> dependency.name() + " (" + dependency.condition().wire() + ")")
            .toList());
  }

  /**
   * Waits for the service to meet {@code condition}; the caller has checked that it does not yet.
   */
  Future<Void> await(Dependency.Condition condition, Duration timeout) {
    Promise<Void> promise = Promise.promise();
    long timer =
        context.timer(
            timeout,
            () ->
                promise.tryFail("not " + condition.wire() + " after " + Durations.format(timeout)));
    Waiter waiter = new Waiter(condition, promise);
    waiters.add(waiter);
    return promise
        .future()
        .onComplete(
            result -> {
              waiters.remove(waiter);
              context.cancelTimer(timer);
            });
  }

  /**
   * After a transition: the waits whose condition is met now complete; with a {@code failure} (the
   * service failed or stopped), the others fail with it.
   */
  void settle(Predicate<Dependency.Condition> met, String failure) {
    for (Waiter waiter : List.copyOf(waiters)) {
      if (met.test(waiter.condition())) {
        waiter.promise().tryComplete();
      } else if (failure != null) {
        waiter.promise().tryFail(failure);
      }
    }
  }

  void failAll(String why) {
    settle(condition -> false, why);
  }
}
