package dev.switchboard.hub.socket;

/** What the Socket.IO server reports as it works; the hub counts it in Prometheus. */
public interface SocketMetrics {

  SocketMetrics NONE = new SocketMetrics() {};

  default void packetIn(String namespace) {}

  /** One packet sent to {@code recipients} sockets (encoded once). */
  default void packetOut(String namespace, int recipients) {}

  /**
   * A packet or a socket dropped: {@code volatile}, {@code slow_consumer}, {@code rate_limit},
   * {@code protocol}.
   */
  default void dropped(String reason) {}

  default void recovered(String namespace) {}
}
