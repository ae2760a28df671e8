package dev.switchboard.common.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for the child processes tests start (a managed service, a Switchboard JVM, a Python HTTP
 * server) to bind: each free when handed out, never the same twice in a JVM, and outside the range
 * the kernel numbers sockets from by itself. A port asked for with {@code bind(0)} is one the
 * kernel also gives any process that binds port 0 or connects out (a started hub's cluster
 * listener, an outgoing connection), and one started child took the port the next was to bind that
 * way (HubClusterIT: "the address is already in use").
 */
public final class FreePorts {

  /** The lowest port the kernel hands out by itself (ip_local_port_range; 32768 when unread). */
  public static final int EPHEMERAL_LOW = ephemeralLow();

  /** Where {@link #freePort} looks: the ports just below the kernel's own. */
  public static final int PORTS_FROM = Math.max(1024, EPHEMERAL_LOW - 12_768);

  private static final AtomicInteger NEXT_PORT =
      new AtomicInteger(PORTS_FROM + new Random().nextInt(EPHEMERAL_LOW - PORTS_FROM));

  private FreePorts() {}

  /** A port nothing listens on right now on the loopback, not handed out before in this JVM. */
  public static int freePort() {
    for (int tries = 0; tries < EPHEMERAL_LOW - PORTS_FROM; tries++) {
      int port =
          PORTS_FROM
              + Math.floorMod(NEXT_PORT.getAndIncrement() - PORTS_FROM, EPHEMERAL_LOW - PORTS_FROM);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException taken) {
        // something listens there: the next one
      }
    }
    throw new IllegalStateException(
        "no free port between " + PORTS_FROM + " and " + EPHEMERAL_LOW + " on the loopback");
  }

  private static int ephemeralLow() {
    try {
      // readAllLines: a /proc file says it is empty, and readString then reads one byte of it
      String range =
          Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).strip();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
