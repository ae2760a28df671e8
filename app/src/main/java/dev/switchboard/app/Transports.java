package dev.switchboard.app;

import io.vertx.core.transport.Transport;

/**
 * The network transport every server and client of the process runs on ({@code TRANSPORT}).
 *
 * <p>{@code auto}, the default, takes epoll on Linux (its native library ships in the jar) and the
 * JDK's NIO elsewhere. Epoll is what makes fan-out cheap: a broadcast costs one system call per
 * recipient, and epoll's are leaner than NIO's (no selector keys, no locks around each write);
 * {@code bench/fanout.sh} measured single broadcasts to 10,000 sockets about a third faster. {@code
 * io_uring} is there for kernels that allow it; it measured no better than epoll here.
 */
final class Transports {

  private Transports() {}

  static Transport select(String name) {
    return switch (name) {
      case "auto" -> available(Transport.EPOLL) ? Transport.EPOLL : Transport.NIO;
      case "nio" -> Transport.NIO;
      case "epoll" -> require(Transport.EPOLL, name);
      case "io_uring" -> require(Transport.IO_URING, name);
      default ->
          throw new LaunchException(
              "TRANSPORT (transport) must be auto, epoll, io_uring or nio, not '" + name + "'");
    };
  }

  private static boolean available(Transport transport) {
    return transport != null && transport.available();
  }

  private static Transport require(Transport transport, String name) {
    if (!available(transport)) {
      Throwable cause = transport == null ? null : transport.unavailabilityCause();
      throw new LaunchException(
          "TRANSPORT "
              + name
              + " is not available on this machine"
              + (cause == null ? "" : ": " + cause.getMessage()));
    }
    return transport;
  }
}
