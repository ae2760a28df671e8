package dev.switchboard.supervisor.definition;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How the supervisor tells that a running service works: an HTTP GET whose status falls in {@code
 * expectStatus}, a TCP connect, or a command that exits 0; or nothing, when the process being alive
 * is all there is to know.
 *
 * <p>Like Docker's health checks: failures during {@code startPeriod} (1 minute unless given) do
 * not count, the service is {@code starting} until its first success (a llama-server answering 503
 * while it loads its model is starting, not failed), and {@code retries} failures in a row after
 * that make it {@code unhealthy}.
 */
public record HealthCheck(
    Kind kind,
    URI url,
    int expectMin,
    int expectMax,
    int port,
    List<String> command,
    Duration interval,
    Duration timeout,
    Duration startPeriod,
    int retries) {

  public enum Kind {
    NONE,
    HTTP,
    TCP,
    COMMAND
  }

  public static final HealthCheck NONE =
      new HealthCheck(
          Kind.NONE,
          null,
          0,
          0,
          0,
          null,
          Duration.ofSeconds(10),
          Duration.ofSeconds(5),
          Duration.ZERO,
          3);

  /**
   * How long a new process may fail its checks before they count: long enough for most servers to
   * load.
   */
  public static final Duration DEFAULT_START_PERIOD = Duration.ofMinutes(1);

  private static final Set<String> FIELDS =
      Set.of(
          "http",
          "tcp",
          "command",
          "expectStatus",
          "interval",
          "timeout",
          "startPeriod",
          "retries");

  static HealthCheck parse(Object value, String path) {
    if (value == null) {
      return NONE;
    }
    Fields f = Fields.of(value, path);
    f.only(FIELDS);
    int kinds = (f.has("http") ? 1 : 0) + (f.has("tcp") ? 1 : 0) + (f.has("command") ? 1 : 0);
    if (kinds != 1) {
      throw ApiException.invalid(
          path, "needs exactly one of http (a URL), tcp (a port) or command (an argv)");
    }
    if (!f.has("http") && f.has("expectStatus")) {
      throw ApiException.invalid(f.path("expectStatus"), "applies to http checks only");
    }
    Duration interval = f.duration("interval", Duration.ofSeconds(10));
    Duration timeout = f.duration("timeout", Duration.ofSeconds(5));
    if (interval.toMillis() < 100) {
      throw ApiException.invalid(f.path("interval"), "must be at least 100ms");
    }
    if (timeout.toMillis() < 10) {
      throw ApiException.invalid(f.path("timeout"), "must be at least 10ms");
    }
    Duration startPeriod = f.duration("startPeriod", DEFAULT_START_PERIOD);
    int retries = f.integer("retries", 1, 100, 3);
    if (f.has("http")) {
      URI url = httpUrl(f);
      int[] expect = expectStatus(f);
      return new HealthCheck(
          Kind.HTTP, url, expect[0], expect[1], 0, null, interval, timeout, startPeriod, retries);
    }
    if (f.has("tcp")) {
      int port = f.integer("tcp", 1, 65535, null);
      return new HealthCheck(
          Kind.TCP, null, 0, 0, port, null, interval, timeout, startPeriod, retries);
    }
    return new HealthCheck(
        Kind.COMMAND,
        null,
        0,
        0,
        0,
        f.argv("command", true),
        interval,
        timeout,
        startPeriod,
        retries);
  }

  private static URI httpUrl(Fields f) {
    String text = f.string("http", null, "must be an http:// or https:// URL", null);
    try {
      URI url = new URI(text);
      if ((!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()))
          || url.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return url;
    } catch (Exception e) {
      throw ApiException.invalid(
          f.path("http"), "must be an http:// or https:// URL, like http://127.0.0.1:8080/health");
    }
  }

  /** {@code [200, 399]} by default; also a single status. */
  private static int[] expectStatus(Fields f) {
    Object raw = f.raw("expectStatus");
    if (raw == null) {
      return new int[] {200, 399};
    }
    Long single = Fields.whole(raw);
    if (single != null && single >= 100 && single <= 599) {
      return new int[] {single.intValue(), single.intValue()};
    }
    if (raw instanceof JsonArray range && range.size() == 2) {
      Long lo = Fields.whole(range.getValue(0));
      Long hi = Fields.whole(range.getValue(1));
      if (lo != null && hi != null && lo >= 100 && hi <= 599 && lo <= hi) {
        return new int[] {lo.intValue(), hi.intValue()};
      }
    }
    throw ApiException.invalid(
        f.path("expectStatus"), "must be a status like 200 or a range like [200, 399]");
  }

  JsonObject toJson() {
    if (kind == Kind.NONE) {
      return null;
    }
    JsonObject json = new JsonObject();
    switch (kind) {
      case HTTP ->
          json.put("http", url.toString())
              .put("expectStatus", new JsonArray().add(expectMin).add(expectMax));
      case TCP -> json.put("tcp", port);
      case COMMAND -> json.put("command", new JsonArray(command));
      default -> {}
    }
    return json.put("interval", Durations.format(interval))
        .put("timeout", Durations.format(timeout))
        .put("startPeriod", Durations.format(startPeriod))
        .put("retries", retries);
  }
}
