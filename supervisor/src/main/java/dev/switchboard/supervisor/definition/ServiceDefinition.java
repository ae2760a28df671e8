package dev.switchboard.supervisor.definition;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an admin asked the supervisor to run, checked. {@link #parse} refuses bad input with an
 * {@link ApiException} naming the field; {@link #toJson} gives the canonical form back (defaults
 * filled in, durations as {@code "10s"}), which is also what is stored.
 *
 * <p>{@code command} is an argv: no shell unless {@code shell: true}, in which case it is one
 * string run by {@code /bin/sh -c}. {@code envFrom} names dotenv files read at every start (not
 * here, and never stored), for secrets that should not sit in the database; {@code env} wins over
 * them.
 */
public record ServiceDefinition(
    String name,
    List<String> command,
    boolean shell,
    String cwd,
    Map<String, String> env,
    List<String> envFrom,
    Integer port,
    HealthCheck health,
    List<Dependency> dependsOn,
    boolean autostart,
    RestartPolicy restart,
    String stopSignal,
    Duration stopTimeout,
    Long maxMemory,
    String description) {

  /**
   * Letters of either case, digits and '-': the seed's own names ({@code lmStudio}, {@code
   * comfyUI}) are valid as they are. Names are unique ignoring case ({@link #sameName}), so no two
   * services share a run directory on a case-insensitive file system, and no two look alike.
   */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})");

  /** How {@link #NAME} is explained to whoever gave a bad one. */
  public static final String NAME_RULE =
      "must be 1 to 63 characters of letters (a-z, A-Z), digits and '-', starting with a letter or digit";

  /** Names taken by the API's own routes under /api/v1/services/. */
  private static final Set<String> RESERVED = Set.of("status", "refresh");

  private static final Pattern SIGNAL =
      Pattern.compile("(?:SIG)?(TERM|INT|QUIT|HUP|KILL|USR1|USR2)");
  private static final Set<String> FIELDS =
      Set.of(
          "name",
          "command",
          "shell",
          "cwd",
          "env",
          "envFrom",
          "port",
          "health",
          "dependsOn",
          "autostart",
          "restart",
          "stopSignal",
          "stopTimeout",
          "maxMemory",
          "description");

  public static ServiceDefinition parse(JsonObject json) {
    Fields f = Fields.of(json, "");
    f.only(FIELDS);
    String name = f.string("name", NAME, NAME_RULE, null);
    if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
      throw ApiException.invalid(
          "name", "'" + name + "' is reserved (it names a route: /api/v1/services/" + name + ")");
    }
    boolean shell = f.bool("shell", false);
    List<String> command;
    if (shell) {
      Object raw = f.raw("command");
      if (!(raw instanceof String line) || line.isBlank()) {
        throw ApiException.invalid(
            "command", "with shell: true, must be one command line for /bin/sh -c");
      }
      command = List.of(Fields.storable("command", line));
    } else {
      if (f.raw("command") instanceof String) {
        throw ApiException.invalid(
            "command",
            "must be an array of strings (the program and its arguments); "
                + "to run a command line through /bin/sh, also set shell: true");
      }
      command = f.argv("command", true);
    }
    String cwd = f.optionalString("cwd", "must be a directory path");
    String signal =
        f.string(
            "stopSignal", SIGNAL, "must be one of TERM, INT, QUIT, HUP, KILL, USR1, USR2", "TERM");
    Duration stopTimeout = f.duration("stopTimeout", Duration.ofSeconds(10));
    if (stopTimeout.compareTo(Duration.ofHours(1)) > 0) {
      throw ApiException.invalid("stopTimeout", "must be at most 1h");
    }
    return new ServiceDefinition(
        name,
        command,
        shell,
        cwd,
        f.env("env"),
        f.absolutePaths("envFrom"),
        f.integer("port", 1, 65535, null),
        HealthCheck.parse(f.raw("health"), "health"),
        dependencies(f.raw("dependsOn"), name),
        f.bool("autostart", false),
        RestartPolicy.parse(f.raw("restart"), "restart"),
        signal.startsWith("SIG") ? signal.substring(3) : signal,
        stopTimeout,
        f.bytes("maxMemory"),
        f.optionalString("description", "must be a string"));
  }

  /**
   * {@code ["db"]}, {@code {"db": "healthy"}} or {@code [{"name": "db", "condition": "healthy"}]};
   * {@code started} by default.
   */
  private static List<Dependency> dependencies(Object raw, String self) {
    List<Dependency> deps = new ArrayList<>();
    if (raw == null) {
      return List.of();
    }
    if (raw instanceof JsonObject map) {
      for (String dep : map.fieldNames()) {
        deps.add(dependency(dep, map.getValue(dep), "dependsOn." + dep));
      }
    } else if (raw instanceof JsonArray list) {
      for (int i = 0; i < list.size(); i++) {
        Object item = list.getValue(i);
        String path = "dependsOn[" + i + "]";
        if (item instanceof String dep) {
          deps.add(dependency(dep, null, path));
        } else if (item instanceof JsonObject object) {
          Fields f = Fields.of(object, path);
          f.only(Set.of("name", "condition"));
          deps.add(
              dependency(
                  f.string("name", null, "must be a service name", null),
                  f.raw("condition"),
                  path));
        } else {
          throw ApiException.invalid(path, "must be a service name or {name, condition}");
        }
      }
    } else {
      throw ApiException.invalid(
          "dependsOn", "must be a list of service names or an object of name: condition");
    }
    for (Dependency dep : deps) {
      if (sameName(dep.name(), self)) {
        throw ApiException.invalid("dependsOn", "a service cannot depend on itself");
      }
    }
    if (deps.stream().map(Dependency::name).distinct().count() != deps.size()) {
      throw ApiException.invalid("dependsOn", "names a service twice");
    }
    return List.copyOf(deps);
  }

  private static Dependency dependency(String name, Object condition, String path) {
    if (!NAME.matcher(name).matches()) {
      throw ApiException.invalid(path, "is not a service name");
    }
    if (condition == null || "started".equals(condition)) {
      return new Dependency(name, Dependency.Condition.STARTED);
    }
    if ("healthy".equals(condition)) {
      return new Dependency(name, Dependency.Condition.HEALTHY);
    }
    throw ApiException.invalid(path, "condition must be started or healthy");
  }

  /** Whether two service names name the same service: equal ignoring case. */
  public static boolean sameName(String one, String other) {
    return one.equalsIgnoreCase(other);
  }

  /** The same definition under another name (a PUT names the service in its path). */
  public ServiceDefinition named(String other) {
    return new ServiceDefinition(
        other,
        command,
        shell,
        cwd,
        env,
        envFrom,
        port,
        health,
        dependsOn,
        autostart,
        restart,
        stopSignal,
        stopTimeout,
        maxMemory,
        description);
  }

  /** The argv to execute: the command itself, or {@code /bin/sh -c <line>}. */
  public List<String> argv() {
    return shell ? List.of("/bin/sh", "-c", command.get(0)) : command;
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("name", name)
            .put("command", shell ? command.get(0) : new JsonArray(command));
    if (shell) {
      json.put("shell", true);
    }
    if (description != null) {
      json.put("description", description);
    }
    if (cwd != null) {
      json.put("cwd", cwd);
    }
    JsonObject envJson = new JsonObject();
    env.forEach(envJson::put);
    json.put("env", envJson);
    if (!envFrom.isEmpty()) {
      json.put("envFrom", new JsonArray(envFrom));
    }
    if (port != null) {
      json.put("port", port);
    }
    JsonObject healthJson = health.toJson();
    if (healthJson != null) {
      json.put("health", healthJson);
    }
    JsonObject deps = new JsonObject();
    dependsOn.forEach(d -> deps.put(d.name(), d.condition().wire()));
    json.put("dependsOn", deps)
        .put("autostart", autostart)
        .put("restart", restart.toJson())
        .put("stopSignal", stopSignal)
        .put("stopTimeout", Durations.format(stopTimeout));
    if (maxMemory != null) {
      json.put("maxMemory", maxMemory);
    }
    return json;
  }
}
