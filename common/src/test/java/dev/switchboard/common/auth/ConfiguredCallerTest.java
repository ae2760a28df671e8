package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A configured token's caller is made once, not per check: the hub keeps the caller's name with
 * every socket, and ten thousand idle sockets of one token should share one name.
 */
class ConfiguredCallerTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String VIEWER = "viewer-token-0123456789abcdef";

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aConfiguredTokenIsTheSameCallerAtEveryCheck() {
    Authenticator authenticator =
        new Authenticator(
            vertx,
            Credentials.fromConfig(
                new JsonObject().put("adminToken", ADMIN).put("viewerToken", VIEWER)));

    Caller first = authenticator.authenticate(ADMIN).await().orElseThrow();
    Caller second = authenticator.authenticate(ADMIN).await().orElseThrow();
    Caller viewer = authenticator.authenticate(VIEWER).await().orElseThrow();

    assertThat(first).isEqualTo(new Caller("admin token", Role.ADMIN));
    assertThat(second).isSameAs(first);
    assertThat(second.name()).isSameAs(first.name());
    assertThat(viewer).isEqualTo(new Caller("viewer token", Role.VIEWER));
  }
}
