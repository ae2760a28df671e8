package dev.switchboard.supervisor.logs;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * A log query as the API takes it: {@code since} and {@code until} (ISO instants, or a duration
 * meaning that long ago: {@code since=10m}), {@code stream} (stdout, stderr, switchboard), {@code
 * q} (text, case-insensitive), {@code after} (a seq, for paging) and {@code limit} (1..5000, 200).
 *
 * <p>Everything that reaches PostgreSQL is checked here first, so that bad input is a 400 naming
 * its parameter and never a failed statement: text holds no NUL (a {@code text} parameter cannot),
 * and instants fall within years 1 to 9999 ({@code timestamptz} ends long before {@link
 * Instant#MAX}).
 */
public record LogQuery(
    Instant since, Instant until, String stream, String text, Long after, int limit) {

  public static final int MAX_LIMIT = 5000;
  private static final Set<String> STREAMS = Set.of(LogLine.STDOUT, LogLine.STDERR, LogLine.NOTE);
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
  private static final String INSTANT_RULE =
      "must be an ISO-8601 instant like 2026-01-31T12:00:00Z, or a duration ago like 15m";

  public static LogQuery parse(JsonObject json, Clock clock) {
    Instant since = instant(json.getValue("since"), "since", clock);
    Instant until = instant(json.getValue("until"), "until", clock);
    if (since != null && until != null && !since.isBefore(until)) {
      throw ApiException.invalid("until", "must be after since");
    }
    String stream = text(json.getValue("stream"), "stream");
    if (stream != null && !STREAMS.contains(stream)) {
      throw ApiException.invalid("stream", "must be stdout, stderr or switchboard");
    }
    String q = text(json.getValue("q"), "q");
    if (q != null && q.length() > 1000) {
      throw ApiException.invalid("q", "must be at most 1000 characters");
    }
    Long after = number(json.getValue("after"), "after", 0, Long.MAX_VALUE);
    Long limit = number(json.getValue("limit"), "limit", 1, MAX_LIMIT);
    return new LogQuery(since, until, stream, q, after, limit == null ? 200 : limit.intValue());
  }

  private static String text(Object value, String field) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || s.isEmpty()) {
      throw ApiException.invalid(field, "must be a non-empty string");
    }
    if (s.indexOf('\0') >= 0) {
      throw ApiException.invalid(field, "must not contain the NUL character (U+0000)");
    }
    return s;
  }

  private static Long number(Object value, String field, long min, long max) {
    if (value == null) {
      return null;
    }
    try {
      long n = value instanceof Number num ? num.longValue() : Long.parseLong(value.toString());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.invalid(field, "must be a whole number from " + min + " to " + max);
    }
  }

  private static Instant instant(Object value, String field, Clock clock) {
    String text = text(value, field);
    if (text == null) {
      return null;
    }
    Instant instant;
    try {
      instant = Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        instant = clock.instant().minus(Durations.parse(text));
      } catch (IllegalArgumentException | ArithmeticException | DateTimeException e2) {
        throw ApiException.invalid(field, INSTANT_RULE);
      }
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw ApiException.invalid(field, INSTANT_RULE + ", between the years 1 and 9999");
    }
    return instant;
  }
}
