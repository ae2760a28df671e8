package dev.switchboard.common.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Human durations as people write them in config and query strings: {@code 500ms}, {@code 10s},
 * {@code 5m}, {@code 24h}, {@code 30d}, or ISO-8601 {@code PT10S}.
 */
public final class Durations {

  private static final Pattern HUMAN = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d|w)");

  private Durations() {}

  /**
   * The duration written in {@code text}. Anything that is not one, a number too large for a {@code
   * long} or a duration too long for {@link Duration} included, is an {@link
   * IllegalArgumentException}, so that callers refuse all bad input the same way.
   */
  public static Duration parse(String text) {
    String value = text.trim().toLowerCase();
    Matcher m = HUMAN.matcher(value);
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> Duration.ofDays(Math.multiplyExact(7, n));
        };
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException("too long a duration");
      }
    }
    if (value.startsWith("p")) {
      try {
        return Duration.parse(value.toUpperCase());
      } catch (DateTimeParseException ignored) {
        // falls through to the common error below
      }
    }
    throw new IllegalArgumentException("not a duration (write it like 500ms, 10s, 5m, 24h or 30d)");
  }

  /**
   * Parses a duration that must be positive and fit in a {@code long} of milliseconds, and returns
   * it in milliseconds.
   */
  public static long parseMillis(String text) {
    Duration duration = parse(text);
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException("must be longer than zero");
    }
    try {
      return duration.toMillis();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("too long a duration");
    }
  }

  /**
   * The shortest exact human form: {@code 1500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code
   * 30d}.
   */
  public static String format(Duration duration) {
    long ms = duration.toMillis();
    if (ms == 0) {
      return "0s";
    }
    long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (ms % sizes[i] == 0) {
        return ms / sizes[i] + units[i];
      }
    }
    return ms + "ms";
  }
}
