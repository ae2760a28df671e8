package dev.switchboard.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {

  private final ClientAddress nginx = ClientAddress.of(List.of("127.0.0.1", "10.0.0.0/8", "::1"));

  @Test
  void aTrustedProxysRequestIsFromTheRightmostAddressItDoesNotTrust() {
    assertThat(nginx.of("127.0.0.1", "203.0.113.7")).isEqualTo("203.0.113.7");
    // what the client wrote itself is to the left of what the proxies appended
    assertThat(nginx.of("127.0.0.1", "198.51.100.9, 203.0.113.7, 10.1.2.3"))
        .isEqualTo("203.0.113.7");
    assertThat(nginx.of("::1", "2001:db8::1")).isEqualTo("2001:db8::1");
    // only trusted hops: the leftmost of them
    assertThat(nginx.of("127.0.0.1", "10.0.0.5, 10.0.0.6")).isEqualTo("10.0.0.5");
    // no header: the proxy itself
    assertThat(nginx.of("127.0.0.1", null)).isEqualTo("127.0.0.1");
  }

  @Test
  void garbageInTheHeaderStopsTheWalk() {
    assertThat(nginx.of("127.0.0.1", "203.0.113.7, not-an-address")).isEqualTo("127.0.0.1");
    assertThat(nginx.of("127.0.0.1", "unknown, 10.0.0.9")).isEqualTo("10.0.0.9");
    assertThat(nginx.of("127.0.0.1", "")).isEqualTo("127.0.0.1");
  }

  @Test
  void anyOtherPeerIsItselfWhateverItSends() {
    assertThat(nginx.of("203.0.113.7", "127.0.0.1")).isEqualTo("203.0.113.7");
    assertThat(nginx.of("11.0.0.1", "198.51.100.9")).isEqualTo("11.0.0.1");
    assertThat(ClientAddress.peers().of("127.0.0.1", "203.0.113.7")).isEqualTo("127.0.0.1");
    assertThat(ClientAddress.fromConfig(new JsonObject()).of("127.0.0.1", "203.0.113.7"))
        .isEqualTo("127.0.0.1");
    assertThat(nginx.of(null, "203.0.113.7")).isEqualTo(ClientAddress.UNKNOWN);
  }

  @Test
  void blocksMatchByTheirPrefix() {
    ClientAddress blocks = ClientAddress.of(List.of("192.168.4.0/22", "fd00::/8"));
    assertThat(blocks.of("192.168.7.255", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(blocks.of("192.168.8.0", "203.0.113.7")).isEqualTo("192.168.8.0");
    assertThat(blocks.of("fd12:3456::1", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(blocks.of("fe80::1", "203.0.113.7")).isEqualTo("fe80::1");
    // an IPv4 block never matches an IPv6 peer, and the other way round
    assertThat(ClientAddress.of(List.of("0.0.0.0/0")).of("::1", "203.0.113.7")).isEqualTo("::1");
  }

  @Test
  void aBadEntryIsNamed() {
    for (String bad : List.of("nginx.local", "10.0.0.0/33", "10.0.0.0/x", "", "::1/129")) {
      assertThatThrownBy(
              () ->
                  ClientAddress.fromConfig(
                      new JsonObject().put("trustedProxies", new JsonArray().add(bad))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("TRUSTED_PROXIES")
          .hasMessageContaining("'" + bad + "'");
    }
  }
}
