package dev.switchboard.files.analysis;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs each step of an analysis on the caller's bounded pool and waits for it no longer than the
 * step's time limit. Whatever a parser does (throw, run out of memory for its own allocation, loop
 * forever) comes back to the caller as a {@link StepFailed} with a reason; the caller's thread is
 * never the one parsing.
 *
 * <p>A step that overruns is cancelled with an interrupt. Java cannot stop a thread that ignores
 * interrupts, so such a step keeps its pool thread until it ends; the pool's bound is what keeps a
 * file of that kind from taking more than its share of the machine.
 */
public final class Sandbox {

  private final ExecutorService pool;
  private final Duration stepTimeLimit;

  public Sandbox(ExecutorService pool, Duration stepTimeLimit) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.stepTimeLimit = Objects.requireNonNull(stepTimeLimit, "stepTimeLimit");
  }

  /**
   * Runs {@code work} on the pool and returns its result.
   *
   * @throws Refused when the step refused the file (passed through as it is)
   * @throws StepFailed when the step threw, overran {@code stepTimeLimit}, could not be scheduled
   *     or the caller was interrupted while waiting
   */
  public <T> T run(String step, Callable<T> work) throws Refused, StepFailed {
    Future<T> running;
    try {
      running = pool.submit(work);
    } catch (RejectedExecutionException e) {
      throw new StepFailed(step + ": the analysis pool refused the work (full or shut down)", e);
    }
    try {
      return running.get(stepTimeLimit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      running.cancel(true);
      throw new StepFailed(
          step + " took longer than its limit of " + stepTimeLimit.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Refused refused) {
        throw refused;
      }
      throw new StepFailed(step + " failed: " + describe(cause), cause);
    } catch (InterruptedException e) {
      running.cancel(true);
      Thread.currentThread().interrupt();
      throw new StepFailed(step + " was interrupted", e);
    }
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    String kind = cause.getClass().getSimpleName();
    return message == null || message.isBlank() ? kind : kind + ": " + message;
  }
}
