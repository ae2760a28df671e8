package dev.switchboard.supervisor.definition;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * An environment as it is shown wherever its values must not be: on the hub, in API lists, in
 * deployments. The names stay (a reader can see that {@code MY_API_KEY} is set), each value is
 * {@code {"masked": true}}. An object rather than a placeholder string, so that a definition read
 * from a list and written back as it is gets a 400 naming the variable instead of storing the
 * placeholder as the value.
 */
public final class MaskedEnv {

  /** What stands for every value. */
  static final JsonObject MASKED = new JsonObject().put("masked", true);

  private MaskedEnv() {}

  public static JsonObject of(Map<String, String> env) {
    JsonObject masked = new JsonObject();
    env.keySet().forEach(name -> masked.put(name, MASKED.copy()));
    return masked;
  }
}
