package dev.switchboard.common.db;

import dev.switchboard.common.Failures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer's side of a database that went away: after a failed write the writer waits ({@link
 * Backoff}) before it tries again, the outage is logged once when it begins and once when it ends
 * (how long, how many attempts, and what the writer says it kept or lost), and the {@link
 * DatabaseStatus} learns of it for {@code /readiness}. Not thread-safe: use it on the writer's
 * context.
 */
public final class Outage {

  private static final Logger LOG = LoggerFactory.getLogger(Outage.class);

  private final String writer;
  private final Backoff backoff;
  private final DatabaseStatus status;
  private final Clock clock;
  private final Supplier<String> summary;
  private Instant since;
  private Instant retryAt = Instant.MIN;
  private long attempts;

  /**
   * @param writer what writes, for the log ({@code storing log lines})
   * @param summary what the writer held back or lost meanwhile, for the line that ends the outage
   */
  public Outage(
      String writer,
      Backoff backoff,
      DatabaseStatus status,
      Clock clock,
      Supplier<String> summary) {
    this.writer = writer;
    this.backoff = backoff;
    this.status = status;
    this.clock = clock;
    this.summary = summary;
  }

  /**
   * Whether a write may be tried now: always while the database answers, else once the wait is
   * over.
   */
  public boolean mayTry() {
    return since == null || !clock.instant().isBefore(retryAt);
  }

  public boolean ongoing() {
    return since != null;
  }

  /**
   * A write failed: the first failure logs the outage; every failure waits longer, up to the cap.
   */
  public void failed(Throwable cause) {
    Instant now = clock.instant();
    attempts++;
    if (since == null) {
      since = now;
      LOG.warn(
          "{}: the database does not answer ({}); retrying with backoff (at most every {} s) until it does",
          writer,
          Failures.describe(cause),
          backoff.max().toSeconds());
    }
    status.unreachable(since);
    retryAt = now.plus(backoff.next());
  }

  /** A write succeeded: ends the outage, if there was one, with one line. */
  public void succeeded() {
    if (since == null) {
      return;
    }
    Duration took = Duration.between(since, clock.instant());
    LOG.info(
        "{}: the database answers again after {} s and {} failed attempts; {}",
        writer,
        String.format("%.1f", took.toMillis() / 1000.0),
        attempts,
        summary.get());
    since = null;
    attempts = 0;
    retryAt = Instant.MIN;
    backoff.reset();
    status.reachable();
  }
}
