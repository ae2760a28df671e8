package dev.switchboard.supervisor;

import dev.switchboard.common.config.Durations;
import dev.switchboard.supervisor.definition.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One service's exits against its restart policy, and what each calls for: the attempt (which sets
 * the backoff delay) and the exits within the policy's window (which decide when to give up), both
 * forgotten after a start by hand or a stable run; and the restarts so far, shown in the status. It
 * also keeps the two timers that carry the policy out: the backoff before a restart, and the run
 * that, once it has lasted {@code resetAfter}, counts as stable.
 */
final class RestartBudget {

  private final ServiceContext context;
  private final Deque<Instant> exits = new ArrayDeque<>();
  private int attempt;
  private int restarts;
  private long backoffTimer = -1;
  private long stableTimer = -1;

  RestartBudget(ServiceContext context) {
    this.context = context;
  }

  /** A start by hand: no restart is pending any more, and the counts start again. */
  void startedByHand() {
    cancel();
    reset();
  }

  /** A process runs: once it has run {@code resetAfter}, the counts start again. */
  void running(Duration resetAfter) {
    context.cancelTimer(stableTimer);
    stableTimer =
        context.timer(
            resetAfter,
            () -> {
              stableTimer = -1;
              reset();
            });
  }

  /** A stop or an exit: no restart is pending, and the run in progress no longer counts as one. */
  void cancel() {
    context.cancelTimer(backoffTimer);
    context.cancelTimer(stableTimer);
    backoffTimer = -1;
    stableTimer = -1;
  }

  private void reset() {
    attempt = 0;
    exits.clear();
  }

  /**
   * What an exit calls for: a stop in {@code state}, or (with a {@code delay}) a restart after the
   * delay.
   */
  record Decision(ServiceState state, String reason, Duration delay) {}

  /**
   * Counts an exit ({@code how} it ended, in words) and decides: a service no longer wanted, or
   * whose policy does not restart on this exit, stops; one that exited {@code limit} times within
   * the window is given up on; any other runs {@code restart} after the policy's delay for this
   * attempt (unless {@link #cancel} comes first).
   */
  Decision afterExit(
      Integer code, String how, boolean wanted, RestartPolicy policy, Runnable restart) {
    Decision decision = decide(code, how, wanted, policy, context.clock().instant());
    if (decision.delay() != null) {
      backoffTimer =
          context.timer(
              decision.delay(),
              () -> {
                backoffTimer = -1;
                restart.run();
              });
    }
    return decision;
  }

  private Decision decide(
      Integer code, String how, boolean wanted, RestartPolicy policy, Instant now) {
    boolean failed = code == null || code != 0;
    if (!wanted || !policy.restarts(code, failed)) {
      return new Decision(
          failed ? ServiceState.FAILED : ServiceState.STOPPED, "process " + how, null);
    }
    exits.addLast(now);
    while (!exits.isEmpty() && exits.peekFirst().isBefore(now.minus(policy.window()))) {
      exits.removeFirst();
    }
    if (exits.size() >= policy.limit()) {
      return new Decision(
          ServiceState.ERRORED,
          "gave up after "
              + exits.size()
              + " exits within "
              + Durations.format(policy.window())
              + "; last: process "
              + how,
          null);
    }
    attempt++;
    Duration delay = policy.delay(attempt);
    return new Decision(
        ServiceState.BACKOFF,
        "process " + how + "; restart " + attempt + " in " + Durations.format(delay),
        delay);
  }

  void restarted() {
    restarts++;
  }

  int restarts() {
    return restarts;
  }
}
