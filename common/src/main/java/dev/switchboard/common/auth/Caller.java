package dev.switchboard.common.auth;

import io.vertx.core.json.JsonObject;

/**
 * Who a request or a socket speaks for: the credential's name ({@code admin token}, a named API
 * token's name, or the name signed into a JWT) and its role. What the audit log records as "who".
 */
public record Caller(String name, Role role) {

  /**
   * The name the audit log shows: the role's label for a configured token ({@code admin} for the
   * admin token, and for a sign-in made with it), else the name ({@code ci deploys}).
   */
  public String actor() {
    return name.equals(role.label() + " token") ? role.label() : name;
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("role", role.label());
  }
}
