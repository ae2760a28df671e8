package dev.switchboard.supervisor.deployment;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.supervisor.definition.Fields;
import dev.switchboard.supervisor.definition.MaskedEnv;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One step of a deployment: a command run in the service's directory and environment unless the
 * step says otherwise, ended when it runs past its {@code timeout}.
 */
record DeploymentStep(
    String name, List<String> argv, String cwd, Map<String, String> env, Duration timeout) {

  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
  private static final List<String> FIELDS =
      List.of("name", "command", "shell", "cwd", "env", "timeout");
  private static final int MAX_NAME_LENGTH = 200;

  /**
   * Reads a step {@code {name?, command, shell?, cwd?, env?, timeout?}}, or an argv alone, found at
   * {@code path} (as {@code steps[2]}) of a deployment of {@code service}. Its command, shell, cwd
   * and env follow the rules of a service definition; a bad one is refused naming {@code
   * path.field}.
   */
  static DeploymentStep parse(Object item, String path, ServiceDefinition service) {
    JsonObject json =
        item instanceof JsonArray argv
            ? new JsonObject().put("command", argv)
            : item instanceof JsonObject object ? object : null;
    if (json == null) {
      throw ApiException.invalid(
          path, "must be a step {name?, command, cwd?, env?, timeout?} or an argv");
    }
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw ApiException.invalid(
            path + "." + field, "unknown field; known fields are " + String.join(", ", FIELDS));
      }
    }
    ServiceDefinition command = command(json, path);
    Object name = json.getValue("name");
    if (name != null
        && (!(name instanceof String text) || text.isBlank() || text.length() > MAX_NAME_LENGTH)) {
      throw ApiException.invalid(path + ".name", "must be a short text");
    }
    if (name != null) {
      Fields.storable(path + ".name", (String) name);
    }
    Map<String, String> env = new LinkedHashMap<>(service.env());
    env.putAll(command.env());
    return new DeploymentStep(
        name == null ? String.join(" ", command.argv()) : (String) name,
        command.argv(),
        command.cwd() != null ? command.cwd() : service.cwd(),
        env,
        timeout(json.getValue("timeout"), path));
  }

  /** The step's command, shell, cwd and env, read by the rules of a service definition. */
  private static ServiceDefinition command(JsonObject json, String path) {
    JsonObject probe =
        new JsonObject().put("name", "step").put("command", json.getValue("command"));
    for (String field : List.of("shell", "cwd", "env")) {
      if (json.getValue(field) != null) {
        probe.put(field, json.getValue(field));
      }
    }
    try {
      return ServiceDefinition.parse(probe);
    } catch (ApiException invalid) {
      throw ApiException.invalid(path + "." + invalid.field(), invalid.getMessage());
    }
  }

  private static Duration timeout(Object raw, String path) {
    if (raw == null) {
      return DEFAULT_TIMEOUT;
    }
    Duration timeout;
    try {
      timeout =
          raw instanceof Number millis
              ? Duration.ofMillis(millis.longValue())
              : Duration.ofMillis(Durations.parseMillis((String) raw));
    } catch (RuntimeException unreadable) {
      throw ApiException.invalid(path + ".timeout", "must be a duration like \"10m\"");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw ApiException.invalid(path + ".timeout", "must be longer than zero");
    }
    return timeout;
  }

  /**
   * The step as stored and shown; its env (the service's with the step's own on top) masked, so no
   * deployment row, answer or {@code deployments.status} event carries a value.
   */
  JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("name", name)
            .put("command", new JsonArray(argv))
            .put("env", MaskedEnv.of(env))
            .put("timeout", Durations.format(timeout));
    if (cwd != null) {
      json.put("cwd", cwd);
    }
    return json;
  }
}
