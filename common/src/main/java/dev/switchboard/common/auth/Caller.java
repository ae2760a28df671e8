package dev.switchboard.common.auth;

import io.vertx.core.json.JsonObject;

/**
 * Who a request or a socket speaks for: the credential's name ({@code admin token}, a named API
 * token's name, or the name signed into a JWT) and its role. What the audit log records as "who".
 */
public record Caller(String name, Role role) {

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("role", role.label());
  }
}
