package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed sign-ins are counted per client. Behind a trusted proxy (nginx on this host) the client is
 * the one its {@code X-Forwarded-For} names, so one client's failures do not lock the others out
 * (they did: every request came from the proxy's address); from anyone else the header changes
 * nothing, so a client cannot escape the limit by writing one.
 */
class TrustedProxyTest {

  private static final String ADMIN = "test-admin-token-proxy-0123456789";
  private static final String LOGIN = "/api/v1/auth/login";
  private static final String STRANGER = "203.0.113.7";
  private static final String NEIGHBOUR = "198.51.100.9";

  @TempDir Path dataDir;
  private Vertx vertx;

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void behindATrustedProxyOneClientsFailedSignInsDoNotLockOutAnother() throws Exception {
    ContractClient api = gateway(new JsonArray().add("127.0.0.1").add("10.0.0.0/8"));
    for (int i = 0; i < 60; i++) {
      assertThat(login(api, "not-a-token-" + i, STRANGER + ", 10.0.0.1")).isEqualTo(401);
    }
    assertThat(login(api, "not-a-token-60", STRANGER)).isEqualTo(429);
    // a client that writes another address to the left of what nginx appends is still itself
    assertThat(login(api, ADMIN, NEIGHBOUR + ", " + STRANGER)).isEqualTo(429);
    assertThat(login(api, ADMIN, NEIGHBOUR)).isEqualTo(200);
  }

  @Test
  void fromAnUntrustedPeerTheHeaderChangesNothing() throws Exception {
    ContractClient api = gateway(null);
    for (int i = 0; i < 60; i++) {
      assertThat(login(api, "not-a-token-" + i, "192.0.2." + i)).isEqualTo(401);
    }
    assertThat(login(api, ADMIN, NEIGHBOUR)).isEqualTo(429);
  }

  private ContractClient gateway(JsonArray trustedProxies) throws Exception {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    JsonObject config =
        new JsonObject()
            .put("dataDir", dataDir.toString())
            .put("auth", new JsonObject().put("adminToken", ADMIN));
    if (trustedProxies != null) {
      config.put("trustedProxies", trustedProxies);
    }
    return ContractClient.deployGateway(
        vertx,
        new JsonObject().put("services", new JsonArray().add("gateway")),
        ADMIN,
        new JsonObject().put("url", "http://127.0.0.1:1"),
        config);
  }

  private static int login(ContractClient api, String token, String forwardedFor) {
    return api.send(HttpMethod.POST, LOGIN, token, null, Map.of("X-Forwarded-For", forwardedFor))
        .statusCode();
  }
}
