package dev.switchboard.hub.engine;

import io.vertx.core.MultiMap;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;

/**
 * The handshake request of a session (its query and headers) kept as two strings, decoded only when
 * someone asks. Middleware reads them once per namespace connect; keeping them as maps for the life
 * of the session costs a map, its entries and a string per name and per value, about a kilobyte per
 * idle connection.
 */
final class Handshakes {

  /**
   * The headers of a websocket upgrade that mean nothing once it is done (the key alone is 24
   * random characters): not kept. The rest (host, origin, cookies, forwarding, user agent) is.
   */
  private static final Set<String> UPGRADE_ONLY =
      Set.of(
          "upgrade",
          "connection",
          "sec-websocket-key",
          "sec-websocket-version",
          "sec-websocket-extensions");

  /** The query strings of the usual handshakes, kept once instead of once per session. */
  private static final Map<String, String> COMMON_QUERIES =
      Map.of(
          "EIO=4&transport=websocket", "EIO=4&transport=websocket",
          "EIO=4&transport=polling", "EIO=4&transport=polling");

  private Handshakes() {}

  /**
   * The query string to keep for a session: the one shared instance for the usual handshakes'
   * (socket.io-client's websocket handshake has no other parameter), else the given one.
   */
  static String canonicalQuery(String query) {
    if (query == null) {
      return "";
    }
    return COMMON_QUERIES.getOrDefault(query, query);
  }

  /**
   * Headers as {@code name\nvalue\n...}, lower-case names; HTTP forbids line breaks in both. The
   * {@linkplain #UPGRADE_ONLY upgrade's own headers} are left out.
   */
  static String encodeHeaders(MultiMap headers) {
    StringBuilder text = new StringBuilder(256);
    for (Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase();
      if (UPGRADE_ONLY.contains(name)) {
        continue;
      }
      text.append(name).append('\n').append(header.getValue()).append('\n');
    }
    return text.toString();
  }

  /** The headers encoded by {@link #encodeHeaders}; the first value of a repeated name wins. */
  static Map<String, String> decodeHeaders(String encoded) {
    Map<String, String> headers = new LinkedHashMap<>();
    int start = 0;
    while (start < encoded.length()) {
      int nameEnd = encoded.indexOf('\n', start);
      int valueEnd = encoded.indexOf('\n', nameEnd + 1);
      headers.putIfAbsent(
          encoded.substring(start, nameEnd), encoded.substring(nameEnd + 1, valueEnd));
      start = valueEnd + 1;
    }
    return Collections.unmodifiableMap(headers);
  }

  /** A raw query string's parameters, URL-decoded; the first value of a repeated name wins. */
  static Map<String, String> decodeQuery(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    decodeQueryParams(query).forEach(param -> params.putIfAbsent(param.getKey(), param.getValue()));
    return Collections.unmodifiableMap(params);
  }

  /** A raw query string's parameters, URL-decoded, every value kept. */
  static MultiMap decodeQueryParams(String query) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.add(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }
}
