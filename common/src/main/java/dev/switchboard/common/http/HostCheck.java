package dev.switchboard.common.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Refuses requests whose {@code Host} is a name nobody configured: the defence against DNS
 * rebinding, where a web page on {@code evil.example} makes its name resolve to 127.0.0.1 and then
 * talks to a local server as if it were same-origin. IP literals and {@code localhost} are always
 * accepted (rebinding needs a name); any other name must be listed in ALLOWED_HOSTS.
 */
public final class HostCheck implements Handler<RoutingContext> {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final List<String> allowed;

  /** From a config slice's {@code allowedHosts} array (absent: only IP literals and localhost). */
  public static HostCheck fromConfig(JsonObject config) {
    return new HostCheck(
        config.getJsonArray("allowedHosts", new JsonArray()).stream()
            .map(Object::toString)
            .toList());
  }

  public HostCheck(List<String> allowed) {
    this.allowed = allowed.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (allows(ctx.request().getHeader(HttpHeaders.HOST))) {
      ctx.next();
    } else {
      ctx.fail(
          new ApiException(
              ErrorType.FORBIDDEN,
              "unknown Host; add it to ALLOWED_HOSTS to reach this server by that name",
              null));
    }
  }

  /** Whether a Host header value (with or without port) may reach the server. */
  public boolean allows(String hostHeader) {
    if (hostHeader == null || hostHeader.isEmpty()) {
      // HTTP/1.0 clients and raw tools send none; a browser always does
      return true;
    }
    String host = hostOnly(hostHeader.trim().toLowerCase(Locale.ROOT));
    return host.equals("localhost")
        || host.endsWith(".localhost")
        || IPV4.matcher(host).matches()
        || host.startsWith("[")
        || allowed.contains(host)
        || allowed.contains("*");
  }

  private static String hostOnly(String header) {
    if (header.startsWith("[")) {
      int end = header.indexOf(']');
      return end < 0 ? header : header.substring(0, end + 1);
    }
    int colon = header.lastIndexOf(':');
    return colon < 0 ? header : header.substring(0, colon);
  }
}
