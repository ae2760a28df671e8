package dev.switchboard.hub;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A hub and the Node socket.io-client driver, new for every test; subclasses give the hub the
 * config it needs with {@link #hubConfig()} or {@link #restartHub(JsonObject)}.
 */
abstract class HubClientTest {

  protected HubFixture hub;
  protected NodeDriver node;

  /** Overrides of the hub's test config for every test of the class. */
  protected JsonObject hubConfig() {
    return new JsonObject();
  }

  @BeforeEach
  void startHub() {
    hub = HubFixture.start(hubConfig());
    node = hub.node();
  }

  @AfterEach
  void stopHub() {
    hub.close();
  }

  /** For one test that needs other limits: a fresh hub and driver with these overrides. */
  protected void restartHub(JsonObject overrides) {
    hub.close();
    hub = HubFixture.start(overrides);
    node = hub.node();
  }
}
