package dev.switchboard.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The ports the tests give their child processes: outside the range the kernel numbers sockets from
 * itself, so a started child's own listeners and connections cannot take the port the next child is
 * to bind, and never the same one twice.
 */
class FreePortsTest {

  @Test
  void portsLieBelowTheKernelsOwnAndAreNotHandedOutTwice() throws Exception {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = FreePorts.freePort();
      assertThat(port)
          .isGreaterThanOrEqualTo(FreePorts.PORTS_FROM)
          .isLessThan(FreePorts.EPHEMERAL_LOW);
      assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
    }
    int port = FreePorts.freePort();
    try (ServerSocket bound = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(bound.getLocalPort()).isEqualTo(port);
    }
  }
}
