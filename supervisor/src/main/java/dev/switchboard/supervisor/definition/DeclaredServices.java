package dev.switchboard.supervisor.definition;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code services:} section of the config file: the definitions the supervisor applies at
 * start. Read by the supervisor, and by the launcher before anything starts, so that a bad
 * definition stops the start at once rather than after the database is up.
 */
public final class DeclaredServices {

  private DeclaredServices() {}

  /**
   * @throws IllegalArgumentException naming the entry and its field, e.g. {@code
   *     services[1].health.interval in the config file: ...}
   */
  public static List<ServiceDefinition> parse(JsonArray list) {
    List<ServiceDefinition> defs = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object item = list.getValue(i);
      try {
        if (!(item instanceof JsonObject json)) {
          throw ApiException.invalid(
              "", "must be a service definition (an object with name and command)");
        }
        defs.add(ServiceDefinition.parse(json));
      } catch (ApiException e) {
        String field = e.field() == null || e.field().isEmpty() ? "" : "." + e.field();
        throw new IllegalArgumentException(
            "services[" + i + "]" + field + " in the config file: " + e.getMessage());
      }
    }
    if (defs.stream().map(def -> def.name().toLowerCase(Locale.ROOT)).distinct().count()
        != defs.size()) {
      throw new IllegalArgumentException(
          "the services: section of the config file names a service twice"
              + " (names are unique ignoring case)");
    }
    return defs;
  }
}
