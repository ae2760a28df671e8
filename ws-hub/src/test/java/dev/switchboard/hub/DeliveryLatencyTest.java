package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code switchboard_hub_delivery_latency_seconds}: one sample per emit, whatever the number of
 * recipients, from the emit entering the hub ({@code source="emit"}: its POST /emit; {@code
 * source="bus"}: its arrival on {@code hub.broadcast}) to its frames handed to every recipient's
 * connection; a Prometheus histogram with its buckets.
 */
@Timeout(30)
class DeliveryLatencyTest extends HubClientTest {

  private static final String LATENCY = "switchboard_hub_delivery_latency_seconds";

  @Test
  void oneSamplePerEmitNotPerRecipient() {
    node.connected("a", "/mcp", "admin", Transport.WEBSOCKET.opts());
    node.connected("b", "/mcp", "admin", Transport.POLLING.opts());
    assertThat(hub.metric(LATENCY + "_count")).as("registered before the first emit").isZero();

    JsonArray batch = new JsonArray();
    for (int i = 0; i < 3; i++) {
      batch.add(new JsonObject().put("namespace", "/mcp").put("event", "tick").put("data", i));
    }
    assertThat(hub.emit(batch).statusCode()).isEqualTo(202);
    hub.vertx
        .eventBus()
        .publish(
            Addresses.HUB_BROADCAST,
            new JsonObject().put("namespace", "/mcp").put("event", "tick").put("data", 3));
    for (String client : new String[] {"a", "b"}) {
      node.await(client, "tick", args -> Integer.valueOf(3).equals(args.getValue(0)));
    }

    assertThat(hub.metric("switchboard_hub_packets_out_total", "namespace=\"/mcp\""))
        .as("four emits, two recipients each")
        .isEqualTo(8.0);
    assertThat(hub.metric(LATENCY + "_count", "source=\"emit\"")).isEqualTo(3.0);
    assertThat(hub.metric(LATENCY + "_count", "source=\"bus\"")).isEqualTo(1.0);
    assertThat(hub.metric(LATENCY + "_bucket", "source=\"emit\"", "le=\"+Inf\"")).isEqualTo(3.0);
    assertThat(hub.metric(LATENCY + "_bucket", "source=\"emit\"", "le=\"1.0\""))
        .as("delivered on an idle hub within a second")
        .isEqualTo(3.0);
    assertThat(hub.metric(LATENCY + "_sum", "source=\"emit\"")).isPositive().isLessThan(3.0);
  }
}
