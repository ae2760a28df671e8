package dev.switchboard.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Seed 001's PORT, WS_PORT and WS_SERVER_URL: aliases where unambiguous, a hint for each. */
@ExtendWith(VertxExtension.class)
class SeedVariablesTest {

  private static JsonObject load(Vertx vertx, Map<String, String> env) {
    return ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE, env).await();
  }

  @Test
  void theSeedsPortsAreReadAsTheGatewaysAndTheHubs(Vertx vertx) {
    JsonObject config = load(vertx, Map.of("PORT", "3106", "WS_PORT", "3107"));
    assertThat(config.getJsonObject("gateway").getInteger("port")).isEqualTo(3106);
    assertThat(config.getJsonObject("hub").getInteger("port")).isEqualTo(3107);
    assertThat(SeedVariables.hints(Map.of("PORT", "3106", "WS_PORT", "3107")))
        .containsExactly(
            "PORT=3106 is read as GATEWAY_PORT (the seed's backend API port);"
                + " set GATEWAY_PORT instead to silence this",
            "WS_PORT=3107 is read as HUB_PORT (the seed's WebSocket server port);"
                + " set HUB_PORT instead to silence this");
  }

  @Test
  void switchboardsOwnNamesWinAndTheSeedsAreSaidToBeIgnored(Vertx vertx) {
    Map<String, String> env = Map.of("PORT", "3005", "GATEWAY_PORT", "3206", "HUB_PORT", "3207");
    JsonObject config = load(vertx, env);
    assertThat(config.getJsonObject("gateway").getInteger("port")).isEqualTo(3206);
    assertThat(config.getJsonObject("hub").getInteger("port")).isEqualTo(3207);
    assertThat(SeedVariables.hints(env))
        .containsExactly("PORT is ignored: GATEWAY_PORT is set and wins");
  }

  @Test
  void wsServerUrlIsIgnoredWithAHintOfWhereItBelongs(Vertx vertx) {
    Map<String, String> env = Map.of("WS_SERVER_URL", "http://localhost:3007");
    assertThat(load(vertx, env).getJsonObject("hub").getInteger("port")).isEqualTo(3007);
    assertThat(SeedVariables.hints(env))
        .singleElement()
        .asString()
        .startsWith("WS_SERVER_URL is ignored: the gateway reaches the hub over the event bus");
  }

  @Test
  void aBadSeedPortIsRefusedUnderTheNameItStandsFor(Vertx vertx) {
    assertThatThrownBy(() -> load(vertx, Map.of("PORT", "web")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GATEWAY_PORT (gateway.port) 'web': not a port number");
  }

  @Test
  void noSeedVariableNoHint() {
    assertThat(SeedVariables.hints(Map.of("PORT", " ", "GATEWAY_PORT", "3006"))).isEmpty();
  }
}
