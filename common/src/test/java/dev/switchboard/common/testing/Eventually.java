package dev.switchboard.common.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * How every test waits for something that happens asynchronously: an Awaitility condition, set up
 * the same way in every module so that no test rolls its own sleep loop.
 *
 * <p>Settings that differ from Awaitility's defaults, and why:
 *
 * <ul>
 *   <li>the condition is checked at once, not after a first poll interval, so a wait for what is
 *       already true costs nothing;
 *   <li>it is checked on the calling test thread, where the loops it replaces ran it: conditions
 *       block on Vert.x futures and HTTP calls that carry timeouts of their own;
 *   <li>uncaught exceptions of other threads are left to those threads: a process reader or a
 *       client thread that dies is the business of the test that owns it, not a reason for an
 *       unrelated wait to fail.
 * </ul>
 *
 * Chain {@code alias}, {@code pollInterval}, {@code ignoreException}, {@code failFast} and the
 * {@code until...} call on the result.
 */
public final class Eventually {

  /** The default time between two checks; cheap conditions may poll faster. */
  public static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private Eventually() {}

  /**
   * A condition that has to hold within {@code timeout}, checked at once and then every {@link
   * #POLL_INTERVAL}.
   */
  public static ConditionFactory within(Duration timeout) {
    return Awaitility.await()
        .atMost(timeout)
        .pollDelay(Duration.ZERO)
        .pollInterval(POLL_INTERVAL)
        .pollInSameThread()
        .dontCatchUncaughtExceptions();
  }
}
