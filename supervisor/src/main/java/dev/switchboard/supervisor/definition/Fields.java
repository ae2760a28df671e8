package dev.switchboard.supervisor.definition;

import dev.switchboard.common.config.ByteSize;
import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the fields of a JSON object the way the API wants them read: typed, checked, and on bad
 * input an {@link ApiException} naming the field by its full path ({@code health.interval}), so a
 * problem+json answer can point at it. Unknown fields are refused too: a typo ({@code autoStart})
 * must not be silently ignored.
 *
 * <p>Text is refused where PostgreSQL would refuse it: a definition is stored as {@code jsonb} and
 * a deployment's steps in {@code text} columns, neither of which can hold U+0000, so a NUL that got
 * past here would fail the insert and come back as a 500 instead of naming its field. Numbers are
 * taken only when they are what they look like: a whole number too large for a {@code long} is
 * refused, not cut to its low bits.
 */
public final class Fields {

  /** The longest duration a timer can take: Vert.x timers count milliseconds in a {@code long}. */
  private static final Duration LONGEST = Duration.ofMillis(Long.MAX_VALUE);

  private final JsonObject json;
  private final String prefix;

  Fields(JsonObject json, String prefix) {
    this.json = json;
    this.prefix = prefix;
  }

  static Fields of(Object value, String path) {
    if (!(value instanceof JsonObject object)) {
      throw ApiException.invalid(path.isEmpty() ? "body" : path, "must be a JSON object");
    }
    return new Fields(object, path.isEmpty() ? "" : path + ".");
  }

  String path(String name) {
    return prefix + name;
  }

  /**
   * {@code text}, when PostgreSQL can store it; otherwise bad input in {@code path}. For text a
   * request carries past the parsers of this package (a deployment step's name).
   */
  public static String storable(String path, String text) {
    if (text.indexOf('\0') >= 0) {
      throw ApiException.invalid(path, "must not contain the NUL character (U+0000)");
    }
    return text;
  }

  /** A whole number that fits in a {@code long}, or null for anything else (1.5, 2^64, "3"). */
  static Long whole(Object value) {
    if (value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger big && big.bitLength() < Long.SIZE) {
      return big.longValue();
    }
    if (value instanceof Number n
        && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) < 0x1p63) {
      return n.longValue();
    }
    return null;
  }

  void only(Set<String> known) {
    for (String name : json.fieldNames()) {
      if (!known.contains(name)) {
        throw ApiException.invalid(
            path(name), "unknown field; known fields are " + String.join(", ", known));
      }
    }
  }

  boolean has(String name) {
    return json.getValue(name) != null;
  }

  Object raw(String name) {
    return json.getValue(name);
  }

  String string(String name, Pattern pattern, String rule, String fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      if (fallback == null) {
        throw ApiException.invalid(path(name), "is required");
      }
      return fallback;
    }
    if (!(value instanceof String text) || (pattern != null && !pattern.matcher(text).matches())) {
      throw ApiException.invalid(path(name), rule);
    }
    return storable(path(name), text);
  }

  String optionalString(String name, String rule) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || text.isEmpty()) {
      throw ApiException.invalid(path(name), rule);
    }
    return storable(path(name), text);
  }

  boolean bool(String name, boolean fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw ApiException.invalid(path(name), "must be true or false");
    }
    return b;
  }

  Integer integer(String name, int min, int max, Integer fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    Long n = whole(value);
    if (n == null || n < min || n > max) {
      throw ApiException.invalid(path(name), "must be a whole number from " + min + " to " + max);
    }
    return n.intValue();
  }

  Long bytes(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    String rule = "must be a size in bytes, like 536870912, \"512M\" or \"2G\"";
    Long size = whole(value);
    if (value instanceof String text) {
      try {
        size = ByteSize.parse(text);
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid(path(name), e.getMessage());
      }
    }
    if (size == null || size <= 0) {
      throw ApiException.invalid(path(name), rule);
    }
    return size;
  }

  /** A duration written like {@code "10s"} or as milliseconds; at most {@link #LONGEST}. */
  Duration duration(String name, Duration fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    Long millis = whole(value);
    Duration d;
    try {
      d = millis != null ? Duration.ofMillis(millis) : Durations.parse((String) value);
    } catch (ClassCastException | IllegalArgumentException e) {
      d = null;
    }
    if (d == null || d.isNegative() || d.compareTo(LONGEST) > 0) {
      throw ApiException.invalid(
          path(name), "must be a duration like \"500ms\", \"10s\" or \"2m\", or milliseconds");
    }
    return d;
  }

  /** A non-empty array of non-empty strings (an argv). */
  List<String> argv(String name, boolean required) {
    Object value = json.getValue(name);
    if (value == null) {
      if (required) {
        throw ApiException.invalid(
            path(name),
            "is required: the program and its arguments, like [\"python3\", \"-m\", \"http.server\"]");
      }
      return null;
    }
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw ApiException.invalid(
          path(name), "must be a non-empty array of strings: the program and its arguments");
    }
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String arg) || (i == 0 && arg.isBlank())) {
        throw ApiException.invalid(
            path(name) + "[" + i + "]", "must be a string" + (i == 0 ? " naming the program" : ""));
      }
      argv.add(storable(path(name) + "[" + i + "]", arg));
    }
    return List.copyOf(argv);
  }

  /** A list of absolute file paths, empty when absent; the files themselves are not looked at. */
  List<String> absolutePaths(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw ApiException.invalid(path(name), "must be a list of absolute file paths");
    }
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String at = path(name) + "[" + i + "]";
      if (!(array.getValue(i) instanceof String file) || !file.startsWith("/")) {
        throw ApiException.invalid(
            at, "must be an absolute file path, like /etc/switchboard/llama.env");
      }
      paths.add(storable(at, file));
    }
    return List.copyOf(paths);
  }

  Map<String, String> env(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject object)) {
      throw ApiException.invalid(
          path(name), "must be an object of variable names to string values");
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (String key : object.fieldNames()) {
      Object v = object.getValue(key);
      if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw ApiException.invalid(path(name) + "." + key, "is not a valid variable name");
      }
      if (MaskedEnv.MASKED.equals(v)) {
        throw ApiException.invalid(
            path(name) + "." + key,
            "must be a string; {\"masked\": true} stands for a value that is not shown: send the value itself");
      }
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw ApiException.invalid(path(name) + "." + key, "must be a string");
      }
      env.put(key, storable(path(name) + "." + key, String.valueOf(v)));
    }
    return env;
  }
}
