package dev.switchboard.common.config;

import dev.switchboard.common.Failures;
import dev.switchboard.common.auth.Credentials;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Loads the configuration once, in the launcher: the defaults of {@link Setting}, then the optional
 * YAML file, then the environment. Every known setting is validated and normalised (durations
 * become milliseconds, lists become arrays); a bad value fails with a {@link ConfigException}
 * naming it. A key that is neither a setting nor one of the {@link #SECTIONS} (a misspelt {@code
 * gateway.prot}) is refused the same way, with the nearest setting suggested.
 */
public final class ConfigLoader {

  public static final Path DEFAULT_FILE = Path.of("switchboard.yaml");

  /**
   * Sections whose content is not a setting but a list read by the service that owns it: the
   * supervisor's {@code services} and mcp-host's {@code mcp.servers}.
   */
  public static final Set<String> SECTIONS = Set.of("services", "mcp.servers");

  private static final Set<String> PATHS =
      Arrays.stream(Setting.values()).map(Setting::path).collect(Collectors.toSet());

  /**
   * Every path that leads to a setting ({@code hub}, {@code stats.retention}), so a YAML object may
   * stand there.
   */
  private static final Set<String> PARENTS =
      PATHS.stream()
          .flatMap(
              path ->
                  IntStream.range(0, path.length())
                      .filter(i -> path.charAt(i) == '.')
                      .mapToObj(i -> path.substring(0, i)))
          .collect(Collectors.toSet());

  private ConfigLoader() {}

  /**
   * @param file the YAML file; when it is the default file it may be absent, any other must exist
   * @param env the process environment (only the names in {@link Setting} are read, and the seed
   *     variables {@link SeedVariables} reads as two of them)
   */
  public static Future<JsonObject> load(Vertx vertx, Path file, Map<String, String> env) {
    boolean explicit = !file.equals(DEFAULT_FILE);
    if (explicit && !Files.isReadable(file)) {
      return Future.failedFuture(
          new ConfigException("config file " + file + " does not exist or is not readable"));
    }
    ConfigRetrieverOptions options =
        new ConfigRetrieverOptions()
            .setIncludeDefaultStores(false)
            .setScanPeriod(-1)
            .addStore(jsonStore(defaults()))
            .addStore(
                new ConfigStoreOptions()
                    .setType("file")
                    .setFormat("yaml")
                    .setOptional(!explicit)
                    .setConfig(new JsonObject().put("path", file.toString())))
            .addStore(jsonStore(fromEnvironment(SeedVariables.aliased(env))));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever
        .getConfig()
        .recover(
            err ->
                Future.failedFuture(
                    new ConfigException("cannot read " + file + ": " + Failures.describe(err))))
        .map(ConfigLoader::validate)
        .eventually(
            () -> {
              retriever.close();
              return Future.succeededFuture();
            });
  }

  static JsonObject defaults() {
    JsonObject json = new JsonObject();
    for (Setting setting : Setting.values()) {
      setting.defaultValue().ifPresent(value -> setting.put(json, value));
    }
    return json;
  }

  static JsonObject fromEnvironment(Map<String, String> env) {
    JsonObject json = new JsonObject();
    for (Setting setting : Setting.values()) {
      String value = env.get(setting.envName());
      if (value != null && !value.isBlank()) {
        setting.put(json, value.trim());
      }
    }
    return json;
  }

  static JsonObject validate(JsonObject merged) {
    List<String> problems = new ArrayList<>();
    unknownKeys(merged, "", problems);
    for (Setting setting : Setting.values()) {
      Object raw = setting.get(merged);
      if (raw == null) {
        continue;
      }
      try {
        setting.put(merged, normalise(setting, raw));
      } catch (IllegalArgumentException e) {
        String shown =
            setting.kind() == Setting.Kind.SECRET || setting.kind() == Setting.Kind.DATABASE_URL
                ? ""
                : " '" + raw + "'";
        problems.add(
            setting.envName() + " (" + setting.path() + ")" + shown + ": " + e.getMessage());
      }
    }
    try {
      // the one check of which token stands for which role, as every server makes it
      Credentials.fromConfig(merged.getJsonObject("auth", new JsonObject()));
    } catch (IllegalArgumentException sharedToken) {
      problems.add(sharedToken.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("bad configuration: " + String.join("; ", problems));
    }
    if (Setting.CORS_ORIGINS.get(merged) == null) {
      // the web app is served by the gateway: its origin is the gateway's, wherever that listens
      int gatewayPort = (Integer) Setting.GATEWAY_PORT.get(merged);
      Setting.CORS_ORIGINS.put(
          merged,
          new JsonArray()
              .add("http://127.0.0.1:" + gatewayPort)
              .add("http://localhost:" + gatewayPort));
    }
    return merged;
  }

  /** Reports every key under {@code node} that is no setting, no parent of one and no section. */
  private static void unknownKeys(JsonObject node, String prefix, List<String> problems) {
    for (String key : node.fieldNames()) {
      String path = prefix + key;
      if (PATHS.contains(path) || SECTIONS.contains(path)) {
        continue;
      }
      if (PARENTS.contains(path) && node.getValue(key) instanceof JsonObject child) {
        unknownKeys(child, path + ".", problems);
      } else {
        problems.add(
            "unknown setting "
                + path
                + nearest(path).map(known -> " (did you mean " + known + "?)").orElse(""));
      }
    }
  }

  /** The setting a misspelt path most likely meant: at most two edits away. */
  private static Optional<String> nearest(String path) {
    return PATHS.stream()
        .filter(
            known -> distance(known.toLowerCase(Locale.ROOT), path.toLowerCase(Locale.ROOT)) <= 2)
        .min(Comparator.comparingInt(known -> distance(known, path)));
  }

  /** Levenshtein distance, two rows. */
  static int distance(String a, String b) {
    int[] previous = IntStream.rangeClosed(0, b.length()).toArray();
    int[] current = new int[b.length() + 1];
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static Object normalise(Setting setting, Object raw) {
    String text = raw.toString().trim();
    return switch (setting.kind()) {
      case STRING, PATH -> requireText(text);
      case CHOICE -> {
        if (!setting.choices().contains(text)) {
          List<String> choices = setting.choices();
          throw new IllegalArgumentException(
              "must be "
                  + String.join(", ", choices.subList(0, choices.size() - 1))
                  + " or "
                  + choices.get(choices.size() - 1));
        }
        yield text;
      }
      case SECRET -> requireSecret(text);
      case HOST -> {
        if (text.isEmpty() || text.chars().anyMatch(Character::isWhitespace)) {
          throw new IllegalArgumentException("not a host name or address");
        }
        yield text;
      }
      case PORT -> integerIn(text, 0, 65535, "not a port number (0-65535)");
      case POSITIVE_INT -> integerIn(text, 1, Integer.MAX_VALUE, "not a positive whole number");
      case DURATION -> Durations.parseMillis(text);
      case SIZE -> {
        long bytes = ByteSize.parse(text);
        if (bytes < 1) {
          throw new IllegalArgumentException("must be at least one byte");
        }
        yield bytes;
      }
      case DURATION_OR_ZERO -> {
        Duration duration = text.equals("0") ? Duration.ZERO : Durations.parse(text);
        if (duration.isNegative()) {
          throw new IllegalArgumentException("must not be negative");
        }
        yield duration.toMillis();
      }
      case LIST -> list(raw);
      case DATABASE_URL -> {
        try {
          PgConnectOptions.fromUri(text);
        } catch (RuntimeException e) {
          // the parser's message repeats the URL, password included: say what is expected instead
          throw new IllegalArgumentException(
              "not a URL of the form postgresql://user[:password]@host[:port]/database");
        }
        yield text;
      }
    };
  }

  private static String requireText(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return text;
  }

  private static String requireSecret(String text) {
    if (text.length() < 16) {
      throw new IllegalArgumentException("must be at least 16 characters long");
    }
    return text;
  }

  private static int integerIn(String text, int min, int max, String problem) {
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below, with the same words as an out-of-range number
    }
    throw new IllegalArgumentException(problem);
  }

  private static JsonArray list(Object raw) {
    JsonArray items = new JsonArray();
    Iterable<?> source =
        raw instanceof JsonArray array ? array : List.of(raw.toString().split(","));
    for (Object item : source) {
      String text = String.valueOf(item).trim();
      if (!text.isEmpty()) {
        items.add(text);
      }
    }
    if (items.isEmpty()) {
      throw new IllegalArgumentException("must name at least one item");
    }
    return items;
  }

  private static ConfigStoreOptions jsonStore(JsonObject json) {
    return new ConfigStoreOptions().setType("json").setConfig(json);
  }
}
