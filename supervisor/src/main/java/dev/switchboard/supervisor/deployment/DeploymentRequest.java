package dev.switchboard.supervisor.deployment;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A deployment as asked for, validated: the service, its steps, the new definition when there is
 * one (null otherwise), and how long the restarted service has to be healthy. Bad input is refused
 * with a 400 naming the field at fault, as {@code steps[1].command} or {@code definition.port}.
 */
record DeploymentRequest(
    String service,
    List<DeploymentStep> steps,
    ServiceDefinition definition,
    Duration healthTimeout) {

  private static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration MAX_HEALTH_TIMEOUT = Duration.ofHours(1);
  private static final int MAX_STEPS = 50;
  private static final List<String> FIELDS =
      List.of("service", "steps", "definition", "healthTimeout");

  /**
   * Reads {@code {service, steps?, definition?, healthTimeout?}}; the service and those it depends
   * on must exist.
   */
  static DeploymentRequest parse(JsonObject body, ServiceControl services) {
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw ApiException.invalid(
            field, "unknown field; known fields are " + String.join(", ", FIELDS));
      }
    }
    String service = service(body.getValue("service"));
    ServiceDefinition current = services.definition(service);
    if (current == null) {
      throw ApiException.invalid("service", "no service named " + service);
    }
    return new DeploymentRequest(
        service,
        steps(body.getValue("steps"), current),
        definition(body.getValue("definition"), service, services),
        healthTimeout(body.getValue("healthTimeout")));
  }

  /** A service name given in the field {@code service}. */
  static String service(Object raw) {
    if (!(raw instanceof String name) || !ServiceDefinition.NAME.matcher(name).matches()) {
      throw ApiException.invalid("service", "must be a service name: letters, digits and '-'");
    }
    return name;
  }

  private static List<DeploymentStep> steps(Object raw, ServiceDefinition service) {
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof JsonArray list)) {
      throw ApiException.invalid(
          "steps", "must be a list of steps, each {name?, command, cwd?, env?, timeout?}");
    }
    if (list.size() > MAX_STEPS) {
      throw ApiException.invalid("steps", "at most " + MAX_STEPS + " steps");
    }
    List<DeploymentStep> steps = new ArrayList<>();
    for (int index = 0; index < list.size(); index++) {
      steps.add(DeploymentStep.parse(list.getValue(index), "steps[" + index + "]", service));
    }
    return steps;
  }

  /** The new definition, named after the service; what it depends on must exist. */
  private static ServiceDefinition definition(Object raw, String service, ServiceControl services) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof JsonObject json)) {
      throw ApiException.invalid("definition", "must be the service's new definition");
    }
    Object named = json.getValue("name");
    if (named != null && !service.equals(named)) {
      throw ApiException.invalid(
          "definition.name", "must be the deployment's service (" + service + "), or left out");
    }
    ServiceDefinition definition;
    try {
      definition = ServiceDefinition.parse(json.copy().put("name", service));
    } catch (ApiException invalid) {
      throw ApiException.invalid("definition." + invalid.field(), invalid.getMessage());
    }
    for (Dependency dependency : definition.dependsOn()) {
      if (services.definition(dependency.name()) == null) {
        throw ApiException.invalid(
            "definition.dependsOn", "names " + dependency.name() + ", which is not a service");
      }
    }
    return definition;
  }

  private static Duration healthTimeout(Object raw) {
    if (raw == null) {
      return DEFAULT_HEALTH_TIMEOUT;
    }
    Duration timeout;
    try {
      timeout =
          raw instanceof Number millis
              ? Duration.ofMillis(millis.longValue())
              : Duration.ofMillis(Durations.parseMillis((String) raw));
    } catch (RuntimeException unreadable) {
      // unreadable: refused below, as out of range
      timeout = Duration.ZERO;
    }
    if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(MAX_HEALTH_TIMEOUT) > 0) {
      throw ApiException.invalid("healthTimeout", "must be a duration from 1ms to 1h, like \"2m\"");
    }
    return timeout;
  }

  /** The steps as stored and shown. */
  JsonArray stepsJson() {
    JsonArray json = new JsonArray();
    steps.forEach(step -> json.add(step.toJson()));
    return json;
  }
}
