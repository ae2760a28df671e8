package dev.switchboard.hub.engine;

import java.time.Duration;
import java.util.List;

/**
 * Engine.IO server settings.
 *
 * @param path where the server answers, e.g. {@code /socket.io/}
 * @param pingInterval how often the server pings
 * @param pingTimeout how long it waits for the pong before it closes the session
 * @param upgradeTimeout how long a websocket probe may take to complete the upgrade
 * @param maxPayload the largest polling POST body and websocket message, in bytes
 * @param maxBufferedBytes the outbound backlog of one session beyond which it is closed as a slow
 *     consumer
 * @param corsOrigins origins allowed to use the server from a browser; {@code *} allows any
 * @param maxPendingSessions sessions that have not {@linkplain EngineSocket#established() been
 *     taken up} (for Socket.IO: joined a namespace) held at once, one remote address at most half
 *     of them; a handshake over it is answered 503, so that handshakes nobody follows up cannot
 *     pile up
 */
public record EngineOptions(
    String path,
    Duration pingInterval,
    Duration pingTimeout,
    Duration upgradeTimeout,
    int maxPayload,
    long maxBufferedBytes,
    List<String> corsOrigins,
    int maxPendingSessions) {

  public static EngineOptions defaults(String path) {
    return new EngineOptions(
        path,
        Duration.ofSeconds(25),
        Duration.ofSeconds(20),
        Duration.ofSeconds(10),
        1_000_000,
        4L << 20,
        List.of(),
        10_000);
  }

  public EngineOptions withHeartbeat(Duration interval, Duration timeout) {
    return new EngineOptions(
        path,
        interval,
        timeout,
        upgradeTimeout,
        maxPayload,
        maxBufferedBytes,
        corsOrigins,
        maxPendingSessions);
  }

  public EngineOptions withMaxPayload(int bytes) {
    return new EngineOptions(
        path,
        pingInterval,
        pingTimeout,
        upgradeTimeout,
        bytes,
        maxBufferedBytes,
        corsOrigins,
        maxPendingSessions);
  }

  public EngineOptions withMaxBufferedBytes(long bytes) {
    return new EngineOptions(
        path,
        pingInterval,
        pingTimeout,
        upgradeTimeout,
        maxPayload,
        bytes,
        corsOrigins,
        maxPendingSessions);
  }

  public EngineOptions withCorsOrigins(List<String> origins) {
    return new EngineOptions(
        path,
        pingInterval,
        pingTimeout,
        upgradeTimeout,
        maxPayload,
        maxBufferedBytes,
        List.copyOf(origins),
        maxPendingSessions);
  }

  public EngineOptions withMaxPendingSessions(int sessions) {
    return new EngineOptions(
        path,
        pingInterval,
        pingTimeout,
        upgradeTimeout,
        maxPayload,
        maxBufferedBytes,
        corsOrigins,
        sessions);
  }

  /**
   * Whether a page from {@code origin} may talk to the server: no Origin header (not a browser),
   * the server's own origin (same-origin, {@code host} being the request's Host header), or a
   * listed one.
   */
  public boolean originAllowed(String origin, String host) {
    return origin == null
        || corsOrigins.contains("*")
        || corsOrigins.contains(origin)
        || host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }
}
