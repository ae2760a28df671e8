package dev.switchboard.stats;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * A validated history request: {@code from} and {@code to} (ISO-8601 instants or epoch
 * milliseconds; defaults: the last hour) and {@code step}: {@code raw} for the stored samples, a
 * duration of at least a minute for rollups merged into buckets of that size, or {@code auto}
 * (default) which serves raw samples up to {@link #RAW_AUTO_LIMIT} and rollups sized to about
 * {@link #TARGET_POINTS} points beyond.
 */
record HistoryRange(Instant from, Instant to, Duration step) {

  static final Duration RAW_AUTO_LIMIT = Duration.ofHours(2);
  static final int TARGET_POINTS = 720;
  static final int MAX_POINTS = 20_000;
  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** {@code step} is null for raw samples. */
  boolean raw() {
    return step == null;
  }

  String stepName() {
    if (raw()) {
      return "raw";
    }
    long minutes = step.toMinutes();
    return minutes % 60 == 0 ? minutes / 60 + "h" : minutes + "m";
  }

  static HistoryRange parse(JsonObject query, Instant now, Duration sampleInterval) {
    Instant to = instant(query, "to", now.truncatedTo(ChronoUnit.MILLIS));
    Instant from = instant(query, "from", to.minus(Duration.ofHours(1)));
    if (!from.isBefore(to)) {
      throw ApiException.invalid("from", "from must be before to");
    }
    Duration range = Duration.between(from, to);
    String step = query.getString("step", "auto").trim().toLowerCase();
    return switch (step) {
      case "auto", "" ->
          range.compareTo(RAW_AUTO_LIMIT) <= 0
              ? new HistoryRange(from, to, null)
              : new HistoryRange(from, to, autoStep(range));
      case "raw" -> {
        long points = range.toMillis() / Math.max(1, sampleInterval.toMillis());
        if (points > MAX_POINTS) {
          throw ApiException.invalid(
              "step",
              "raw samples over this range would be about "
                  + points
                  + " points; ask for a shorter range or a step such as "
                  + autoStep(range).toMinutes()
                  + "m");
        }
        yield new HistoryRange(from, to, null);
      }
      default -> new HistoryRange(from, to, explicitStep(step, range));
    };
  }

  private static Duration explicitStep(String text, Duration range) {
    Duration step;
    try {
      step = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(
          "step", "step must be raw, auto or a duration such as 1m, 5m or 1h");
    }
    if (step.compareTo(MINUTE) < 0 || step.toSeconds() % 60 != 0) {
      throw ApiException.invalid(
          "step", "step must be a whole number of minutes (rollups are per minute), or raw");
    }
    if (range.dividedBy(step) > MAX_POINTS) {
      throw ApiException.invalid(
          "step", "step " + text + " gives more than " + MAX_POINTS + " points over this range");
    }
    return step;
  }

  /** Whole minutes, so that the range holds about TARGET_POINTS buckets. */
  static Duration autoStep(Duration range) {
    long minutes = Math.max(1, (range.toMinutes() + TARGET_POINTS - 1) / TARGET_POINTS);
    return Duration.ofMinutes(minutes);
  }

  private static Instant instant(JsonObject query, String name, Instant fallback) {
    String text = query.getString(name);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    text = text.trim();
    try {
      return text.chars().allMatch(Character::isDigit)
          ? Instant.ofEpochMilli(Long.parseLong(text))
          : Instant.parse(text);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw ApiException.invalid(
          name,
          name + " must be an ISO-8601 instant such as 2026-11-22T10:00:00Z or epoch milliseconds");
    }
  }
}
