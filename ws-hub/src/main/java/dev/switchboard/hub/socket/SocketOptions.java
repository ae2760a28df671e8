package dev.switchboard.hub.socket;

import dev.switchboard.hub.engine.EngineOptions;
import java.time.Duration;

/**
 * Socket.IO server settings on top of the Engine.IO ones.
 *
 * @param connectTimeout a connection that joins no namespace in this time is closed
 * @param recovery whether connection-state recovery is on
 * @param maxDisconnectionDuration how long a dropped socket's session and missed broadcasts are
 *     kept
 * @param recoveryBufferPackets at most this many broadcasts are kept for recovery
 * @param recoveryInCluster whether recovery keeps sessions and broadcasts in the cluster too (see
 *     {@link ClusterRecovery}), so that a client recovers on another hub
 * @param maxNamespacesPerClient namespaces one connection may join
 * @param maxRoomsPerSocket rooms one socket may be in (its own id room included)
 * @param eventsPerSecond sustained inbound events a socket may send
 * @param eventBurst inbound events a socket may send at once; past it, events get an error ack, and
 *     past twice it the socket is disconnected
 */
public record SocketOptions(
    EngineOptions engine,
    Duration connectTimeout,
    boolean recovery,
    Duration maxDisconnectionDuration,
    int recoveryBufferPackets,
    boolean recoveryInCluster,
    int maxNamespacesPerClient,
    int maxRoomsPerSocket,
    double eventsPerSecond,
    int eventBurst) {

  public static SocketOptions defaults(EngineOptions engine) {
    return new SocketOptions(
        engine,
        Duration.ofSeconds(45),
        true,
        Duration.ofMinutes(2),
        10_000,
        false,
        10,
        100,
        50,
        100);
  }

  public SocketOptions withConnectTimeout(Duration timeout) {
    return new SocketOptions(
        engine,
        timeout,
        recovery,
        maxDisconnectionDuration,
        recoveryBufferPackets,
        recoveryInCluster,
        maxNamespacesPerClient,
        maxRoomsPerSocket,
        eventsPerSecond,
        eventBurst);
  }

  public SocketOptions withRecovery(boolean on, Duration maxDisconnection) {
    return new SocketOptions(
        engine,
        connectTimeout,
        on,
        maxDisconnection,
        recoveryBufferPackets,
        recoveryInCluster,
        maxNamespacesPerClient,
        maxRoomsPerSocket,
        eventsPerSecond,
        eventBurst);
  }

  public SocketOptions withLimits(
      int namespacesPerClient, int roomsPerSocket, double perSecond, int burst) {
    return new SocketOptions(
        engine,
        connectTimeout,
        recovery,
        maxDisconnectionDuration,
        recoveryBufferPackets,
        recoveryInCluster,
        namespacesPerClient,
        roomsPerSocket,
        perSecond,
        burst);
  }

  public SocketOptions withRecoveryInCluster(boolean inCluster) {
    return new SocketOptions(
        engine,
        connectTimeout,
        recovery,
        maxDisconnectionDuration,
        recoveryBufferPackets,
        inCluster,
        maxNamespacesPerClient,
        maxRoomsPerSocket,
        eventsPerSecond,
        eventBurst);
  }
}
