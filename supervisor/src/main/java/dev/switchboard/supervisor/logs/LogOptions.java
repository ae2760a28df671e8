package dev.switchboard.supervisor.logs;

import java.time.Duration;

/**
 * The sizes and pace of a {@link LogPipeline}: lines a source holds ({@code capacity}; the database
 * backlog holds four times that), recent lines kept for a tail, the longest line kept whole, lines
 * published live per source and tick, rows per insert, inserts at a time, and the tick.
 */
public record LogOptions(
    int capacity,
    int tailSize,
    int maxLineBytes,
    int liveLinesPerTick,
    int batchRows,
    int insertsInFlight,
    Duration tick) {
  /**
   * Two inserts at a time keep PostgreSQL busy on two cores (measured by bench/logs.sh: +50 to 75 %
   * rows/s).
   */
  public static final LogOptions DEFAULT =
      new LogOptions(20_000, 200, 16 * 1024, 1_000, 2_000, 2, Duration.ofMillis(100));

  /**
   * The longest line kept whole may grow to 64 KiB: a full insert of {@code batchRows} such lines
   * is then 128 MiB, well under PostgreSQL's 1 GiB message limit.
   */
  public static final int MAX_LINE_BYTES_LIMIT = 64 * 1024;

  /** Room for the text of a cut line's marker. */
  public static final int MIN_LINE_BYTES = 256;

  public LogOptions {
    if (maxLineBytes < MIN_LINE_BYTES || maxLineBytes > MAX_LINE_BYTES_LIMIT) {
      throw new IllegalArgumentException(
          "SUPERVISOR_LOG_MAX_LINE (supervisor.logs.maxLineBytes) must be from "
              + MIN_LINE_BYTES
              + " to "
              + MAX_LINE_BYTES_LIMIT
              + " bytes, not "
              + maxLineBytes);
    }
  }
}
