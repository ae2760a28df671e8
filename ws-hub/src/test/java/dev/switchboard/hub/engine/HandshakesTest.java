package dev.switchboard.hub.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a session keeps of the request that opened it: only what means something after the
 * handshake, and the usual query string once for all sessions (idle sessions are the many).
 */
class HandshakesTest {

  @Test
  void theUpgradesOwnHeadersAreNotKept() {
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Host", "127.0.0.1:3007")
            .add("Upgrade", "websocket")
            .add("Connection", "Upgrade")
            .add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
            .add("Sec-WebSocket-Version", "13")
            .add("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")
            .add("Origin", "http://127.0.0.1:3007")
            .add("Cookie", "a=b")
            .add("X-Forwarded-For", "203.0.113.7");

    assertThat(Handshakes.decodeHeaders(Handshakes.encodeHeaders(headers)))
        .containsExactly(
            Map.entry("host", "127.0.0.1:3007"),
            Map.entry("origin", "http://127.0.0.1:3007"),
            Map.entry("cookie", "a=b"),
            Map.entry("x-forwarded-for", "203.0.113.7"));
  }

  @Test
  void theUsualQueryIsKeptOnceForAllSessions() {
    // new String: as the request parser makes it, a new instance per request
    String first = Handshakes.canonicalQuery(new String("EIO=4&transport=websocket"));
    String second = Handshakes.canonicalQuery(new String("EIO=4&transport=websocket"));
    assertThat(second).isEqualTo("EIO=4&transport=websocket").isSameAs(first);

    String other = new String("EIO=4&transport=websocket&room=a");
    assertThat(Handshakes.canonicalQuery(other)).isSameAs(other);
    assertThat(Handshakes.canonicalQuery(null)).isEmpty();
  }
}
