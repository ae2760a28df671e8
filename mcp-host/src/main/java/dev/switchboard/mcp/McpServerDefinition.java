package dev.switchboard.mcp;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An MCP server the host may run: either a stdio command (argv, no shell), where and with what
 * environment it runs, or the {@code url} of a remote Streamable HTTP server and the {@code
 * headers} sent to it; and how its instances are pooled and restarted. {@link #parse} refuses bad
 * input with an {@link ApiException} naming the field; {@link #toJson} gives the canonical form
 * (what is stored), {@link #toPublicJson} the same with every env and header value masked (what
 * lists and logs show).
 */
public record McpServerDefinition(
    String name,
    List<String> command,
    String cwd,
    Map<String, String> env,
    URI url,
    Map<String, String> headers,
    PoolMode pool,
    Duration idleTimeout,
    int maxInstances,
    Duration startTimeout,
    String description,
    List<String> allowedTools,
    boolean idempotentTools,
    RestartPolicy restart,
    boolean auditArguments) {

  /**
   * When an instance that ends by itself is started again, with the shape and names of a managed
   * service's restart policy: the wait before the n-th restart in a row is drawn from [c/2, c], c =
   * min({@code maxDelay}, {@code initialDelay}·2^(n-1)); a run of {@code resetAfter} starts the
   * backoff over; {@code limit} exits within {@code window} end the restarts.
   */
  public record RestartPolicy(
      Restart policy,
      Duration initialDelay,
      Duration maxDelay,
      Duration resetAfter,
      int limit,
      Duration window) {

    public static final RestartPolicy DEFAULT =
        new RestartPolicy(
            Restart.ON_FAILURE,
            Duration.ofMillis(500),
            Duration.ofSeconds(30),
            Duration.ofMinutes(1),
            5,
            Duration.ofMinutes(5));

    private static final Set<String> FIELDS =
        Set.of("policy", "initialDelay", "maxDelay", "resetAfter", "limit", "window");

    boolean restarts(int exitCode) {
      return policy.restarts(exitCode);
    }

    static RestartPolicy parse(Object value) {
      if (value == null) {
        return DEFAULT;
      }
      if (value instanceof String shorthand) {
        Restart policy = Restart.parse(shorthand, "restart");
        return new RestartPolicy(
            policy,
            DEFAULT.initialDelay,
            DEFAULT.maxDelay,
            DEFAULT.resetAfter,
            DEFAULT.limit,
            DEFAULT.window);
      }
      if (!(value instanceof JsonObject json)) {
        throw ApiException.invalid(
            "restart",
            "must be no, on-failure or always, or an object (policy, initialDelay, ...)");
      }
      for (String field : json.fieldNames()) {
        if (!FIELDS.contains(field)) {
          throw ApiException.invalid(
              "restart." + field,
              "unknown field; known fields are "
                  + String.join(", ", FIELDS.stream().sorted().toList()));
        }
      }
      Restart policy =
          json.getValue("policy") == null
              ? DEFAULT.policy
              : Restart.parse(json.getValue("policy"), "restart.policy");
      Duration initial =
          duration(json, "initialDelay", "restart.initialDelay", DEFAULT.initialDelay, 1);
      Duration max = duration(json, "maxDelay", "restart.maxDelay", DEFAULT.maxDelay, 1);
      if (max.compareTo(initial) < 0) {
        throw ApiException.invalid("restart.maxDelay", "must not be shorter than initialDelay");
      }
      Object limit = json.getValue("limit");
      if (limit != null && (!(limit instanceof Integer n) || n < 1 || n > 1000)) {
        throw ApiException.invalid("restart.limit", "must be a whole number from 1 to 1000");
      }
      return new RestartPolicy(
          policy,
          initial,
          max,
          duration(json, "resetAfter", "restart.resetAfter", DEFAULT.resetAfter, 1),
          limit == null ? DEFAULT.limit : (Integer) limit,
          duration(json, "window", "restart.window", DEFAULT.window, 1));
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("policy", policy.label())
          .put("initialDelay", Durations.format(initialDelay))
          .put("maxDelay", Durations.format(maxDelay))
          .put("resetAfter", Durations.format(resetAfter))
          .put("limit", limit)
          .put("window", Durations.format(window));
    }
  }

  /**
   * Whether an instance that exits by itself is started again: {@code no}, {@code on-failure} (an
   * exit with a code other than 0, or by a signal) or {@code always}, as for managed services.
   */
  public enum Restart {
    NO("no"),
    ON_FAILURE("on-failure"),
    ALWAYS("always");

    private final String label;

    Restart(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    boolean restarts(int exitCode) {
      return this == ALWAYS || (this == ON_FAILURE && exitCode != 0);
    }

    static Restart parse(Object value, String field) {
      for (Restart restart : values()) {
        if (restart.label.equals(value)) {
          return restart;
        }
      }
      throw ApiException.invalid(field, "must be no, on-failure or always");
    }
  }

  /** One instance for everyone, or one per project key. */
  public enum PoolMode {
    SHARED("shared"),
    PER_PROJECT("per-project");

    private final String label;

    PoolMode(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    static PoolMode parse(Object value) {
      for (PoolMode mode : values()) {
        if (mode.label.equals(value)) {
          return mode;
        }
      }
      throw ApiException.invalid("pool", "must be shared or per-project");
    }
  }

  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})");
  static final String NAME_RULE =
      "must be 1 to 63 characters of letters (a-z, A-Z), digits and '-', starting with a letter or digit";
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** An HTTP field name (RFC 9110's token). */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

  /** Headers the host sets itself on every request to a remote server. */
  private static final Set<String> HOST_HEADERS =
      Set.of(
          "accept",
          "content-type",
          "content-length",
          "host",
          "connection",
          "transfer-encoding",
          "mcp-session-id",
          "mcp-protocol-version",
          "last-event-id");

  static final int MAX_HEADERS = 32;
  static final int MAX_HEADER_VALUE = 8192;
  public static final Duration DEFAULT_IDLE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_START = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_INSTANCES = 16;
  private static final Set<String> FIELDS =
      Set.of(
          "name",
          "command",
          "cwd",
          "env",
          "url",
          "headers",
          "pool",
          "idleTimeout",
          "maxInstances",
          "startTimeout",
          "description",
          "allowedTools",
          "idempotentTools",
          "restart",
          "auditArguments");
  static final int MAX_ALLOWED_TOOLS = 1000;

  public static McpServerDefinition parse(JsonObject json) {
    if (json == null) {
      throw ApiException.invalid("body", "must be a JSON object");
    }
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw ApiException.invalid(
            field,
            "unknown field; known fields are "
                + String.join(", ", FIELDS.stream().sorted().toList()));
      }
    }
    Object rawName = json.getValue("name");
    if (rawName == null) {
      throw ApiException.invalid("name", "is required");
    }
    if (!(rawName instanceof String name) || !NAME.matcher(name).matches()) {
      throw ApiException.invalid("name", NAME_RULE);
    }
    boolean remote = json.getValue("url") != null;
    if (remote && json.getValue("command") != null) {
      throw ApiException.invalid(
          "url",
          "a definition has either command (a stdio server) or url (a remote Streamable HTTP"
              + " server), not both");
    }
    for (String field : remote ? List.of("cwd", "env") : List.of("headers")) {
      if (json.getValue(field) != null) {
        throw ApiException.invalid(
            field,
            remote
                ? "is only for a stdio server (command), not a remote one (url)"
                : "is only for a remote server (url), not a stdio one (command)");
      }
    }
    return new McpServerDefinition(
        name,
        remote ? null : argv(json.getValue("command")),
        optionalText(json, "cwd"),
        env(json.getValue("env")),
        remote ? url(json.getValue("url")) : null,
        headers(json.getValue("headers")),
        json.getValue("pool") == null ? PoolMode.SHARED : PoolMode.parse(json.getValue("pool")),
        duration(json, "idleTimeout", DEFAULT_IDLE),
        maxInstances(json.getValue("maxInstances")),
        duration(json, "startTimeout", DEFAULT_START),
        optionalText(json, "description"),
        allowedTools(json.getValue("allowedTools")),
        flag(json, "idempotentTools"),
        RestartPolicy.parse(json.getValue("restart")),
        flag(json, "auditArguments"));
  }

  /** Whether it is a remote Streamable HTTP server (a {@code url}) rather than a stdio command. */
  public boolean remote() {
    return url != null;
  }

  private static URI url(Object raw) {
    if (!(raw instanceof String text) || text.length() > 2048) {
      throw ApiException.invalid(
          "url", "must be an http:// or https:// URL of at most 2048 characters");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw ApiException.invalid("url", "is not a valid URL: " + e.getReason());
    }
    String scheme =
        uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw ApiException.invalid("url", "must be an http:// or https:// URL with a host");
    }
    if (uri.getRawUserInfo() != null) {
      // never the URL in the message: its user info is a secret
      throw ApiException.invalid(
          "url", "must not carry a user and password: send credentials in headers");
    }
    if (uri.getRawFragment() != null) {
      throw ApiException.invalid("url", "must not have a fragment (#...)");
    }
    return uri;
  }

  private static Map<String, String> headers(Object raw) {
    if (raw == null) {
      return Map.of();
    }
    if (!(raw instanceof JsonObject object) || object.size() > MAX_HEADERS) {
      throw ApiException.invalid(
          "headers", "must be an object of at most " + MAX_HEADERS + " Header-Name: value");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String key : object.fieldNames()) {
      if (!HEADER_NAME.matcher(key).matches()) {
        throw ApiException.invalid("headers." + key, "is not a valid HTTP header name");
      }
      if (HOST_HEADERS.contains(key.toLowerCase(java.util.Locale.ROOT))) {
        throw ApiException.invalid("headers." + key, "is set by the MCP host itself");
      }
      // never the value in the message: it may be a secret
      if (!(object.getValue(key) instanceof String value)
          || value.length() > MAX_HEADER_VALUE
          || value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
        throw ApiException.invalid(
            "headers." + key,
            "must be a string of at most " + MAX_HEADER_VALUE + " characters, without line breaks");
      }
      headers.put(key, value);
    }
    return Map.copyOf(headers);
  }

  /** Whether {@code tool} may be called: every tool when there is no allow-list. */
  public boolean allows(String tool) {
    return allowedTools == null || allowedTools.contains(tool);
  }

  private static List<String> allowedTools(Object raw) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof JsonArray list) || list.size() > MAX_ALLOWED_TOOLS) {
      throw ApiException.invalid(
          "allowedTools", "must be an array of at most " + MAX_ALLOWED_TOOLS + " tool names");
    }
    List<String> tools = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof String tool) || tool.isEmpty() || tool.length() > 128) {
        throw ApiException.invalid(
            "allowedTools[" + i + "]", "must be a tool name of 1 to 128 characters");
      }
      tools.add(storable("allowedTools[" + i + "]", tool));
    }
    return List.copyOf(tools);
  }

  private static boolean flag(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value != null && !(value instanceof Boolean)) {
      throw ApiException.invalid(field, "must be true or false");
    }
    return Boolean.TRUE.equals(value);
  }

  private static List<String> argv(Object raw) {
    if (raw == null) {
      throw ApiException.invalid(
          "command",
          "is required: the program and its arguments (or url, for a remote Streamable HTTP"
              + " server)");
    }
    if (!(raw instanceof JsonArray list) || list.isEmpty()) {
      throw ApiException.invalid(
          "command", "must be a non-empty array of strings (the program and its arguments)");
    }
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof String arg) || (i == 0 && arg.isBlank())) {
        throw ApiException.invalid("command[" + i + "]", "must be a non-empty string");
      }
      argv.add(storable("command[" + i + "]", arg));
    }
    return List.copyOf(argv);
  }

  private static Map<String, String> env(Object raw) {
    if (raw == null) {
      return Map.of();
    }
    if (!(raw instanceof JsonObject object)) {
      throw ApiException.invalid("env", "must be an object of NAME: value");
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (String key : object.fieldNames()) {
      if (!ENV_NAME.matcher(key).matches()) {
        throw ApiException.invalid("env." + key, "is not a valid environment variable name");
      }
      // never the value in the message: it may be a secret
      if (!(object.getValue(key) instanceof String value)) {
        throw ApiException.invalid("env." + key, "must be a string");
      }
      env.put(key, storable("env." + key, value));
    }
    return Map.copyOf(env);
  }

  private static String optionalText(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || text.isEmpty()) {
      throw ApiException.invalid(field, "must be a non-empty string");
    }
    return storable(field, text);
  }

  private static Duration duration(JsonObject json, String field, Duration fallback) {
    return duration(json, field, field, fallback, 100);
  }

  private static Duration duration(
      JsonObject json, String field, String path, Duration fallback, long minMillis) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    Duration parsed;
    try {
      parsed =
          value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
              ? Duration.ofMillis(n.longValue())
              : Durations.parse((String) value);
    } catch (RuntimeException e) {
      throw ApiException.invalid(path, "must be a duration such as 500ms, 10s or 5m");
    }
    if (parsed.toMillis() < minMillis || parsed.compareTo(Duration.ofDays(1)) > 0) {
      throw ApiException.invalid(path, "must be between " + minMillis + "ms and 24h");
    }
    return parsed;
  }

  private static int maxInstances(Object value) {
    if (value == null) {
      return DEFAULT_MAX_INSTANCES;
    }
    if (!(value instanceof Integer n) || n < 1 || n > 1000) {
      throw ApiException.invalid("maxInstances", "must be a whole number from 1 to 1000");
    }
    return n;
  }

  private static String storable(String field, String text) {
    if (text.indexOf('\0') >= 0) {
      throw ApiException.invalid(field, "must not contain the NUL character (U+0000)");
    }
    return text;
  }

  /** The same definition under another name (a PUT names the server in its path). */
  public McpServerDefinition named(String other) {
    return new McpServerDefinition(
        other,
        command,
        cwd,
        env,
        url,
        headers,
        pool,
        idleTimeout,
        maxInstances,
        startTimeout,
        description,
        allowedTools,
        idempotentTools,
        restart,
        auditArguments);
  }

  /** The canonical form, env and header values included: what is stored, never what is shown. */
  public JsonObject toJson() {
    JsonObject json = toPublicJson();
    JsonObject values = new JsonObject();
    if (remote()) {
      headers.forEach(values::put);
      return json.put("headers", values);
    }
    env.forEach(values::put);
    return json.put("env", values);
  }

  /** The canonical form with every env or header value replaced by {@code {"masked": true}}. */
  public JsonObject toPublicJson() {
    JsonObject json = new JsonObject().put("name", name);
    if (remote()) {
      json.put("url", url.toString()).put("headers", masked(headers));
    } else {
      json.put("command", new JsonArray(new ArrayList<>(command))).put("env", masked(env));
    }
    json.put("pool", pool.label())
        .put("idleTimeout", Durations.format(idleTimeout))
        .put("maxInstances", maxInstances)
        .put("startTimeout", Durations.format(startTimeout))
        .put("idempotentTools", idempotentTools)
        .put("restart", restart.toJson())
        .put("auditArguments", auditArguments);
    if (allowedTools != null) {
      json.put("allowedTools", new JsonArray(new ArrayList<>(allowedTools)));
    }
    if (cwd != null) {
      json.put("cwd", cwd);
    }
    if (description != null) {
      json.put("description", description);
    }
    return json;
  }

  private static JsonObject masked(Map<String, String> secrets) {
    JsonObject masked = new JsonObject();
    secrets.keySet().stream()
        .sorted()
        .forEach(key -> masked.put(key, new JsonObject().put("masked", true)));
    return masked;
  }

  /**
   * The {@code mcp.servers} list of the config file.
   *
   * @throws IllegalArgumentException naming the entry and its field, e.g. {@code
   *     mcp.servers[1].comand in the config file: unknown field; ...}
   */
  public static List<McpServerDefinition> declared(Object section) {
    if (section == null) {
      return List.of();
    }
    if (!(section instanceof JsonArray list)) {
      throw new IllegalArgumentException(
          "mcp.servers in the config file must be a list of MCP server definitions");
    }
    List<McpServerDefinition> defs = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      try {
        if (!(list.getValue(i) instanceof JsonObject json)) {
          throw ApiException.invalid(
              "", "must be an MCP server definition (an object with name and command or url)");
        }
        defs.add(parse(json));
      } catch (ApiException e) {
        String field = e.field() == null || e.field().isEmpty() ? "" : "." + e.field();
        throw new IllegalArgumentException(
            "mcp.servers[" + i + "]" + field + " in the config file: " + e.getMessage());
      }
    }
    if (defs.stream().map(def -> def.name().toLowerCase(java.util.Locale.ROOT)).distinct().count()
        != defs.size()) {
      throw new IllegalArgumentException(
          "mcp.servers in the config file names a server twice (names are unique ignoring case)");
    }
    return defs;
  }
}
