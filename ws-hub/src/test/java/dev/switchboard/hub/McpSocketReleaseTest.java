package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A socket's MCP sessions are released when it disconnects: the namespace's one disconnection
 * handler (not a handler per socket) tells mcp-host, once per socket, which socket went.
 */
@Timeout(30)
class McpSocketReleaseTest extends HubClientTest {

  @Test
  void anMcpSocketThatDisconnectsHasItsSessionsReleasedOnce() {
    List<String> released = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> mcpHost =
        hub.vertx
            .eventBus()
            .consumer(
                Addresses.MCP_SOCKET_RELEASE,
                message -> released.add(message.body().getString("holder")));
    mcpHost.completion().await();
    try {
      String first =
          node.connected("first", "/mcp", "admin", Transport.WEBSOCKET.opts()).getString("id");
      String second =
          node.connected("second", "/mcp", "viewer", Transport.WEBSOCKET.opts()).getString("id");

      node.disconnect("first");
      Eventually.within(NodeDriver.WAIT).until(() -> released, all -> all.size() == 1);
      assertThat(released).containsExactly(first);
      node.disconnect("second");
      Eventually.within(NodeDriver.WAIT).until(() -> released, all -> all.size() == 2);
      assertThat(released).containsExactly(first, second);
    } finally {
      mcpHost.unregister().await();
    }
  }
}
