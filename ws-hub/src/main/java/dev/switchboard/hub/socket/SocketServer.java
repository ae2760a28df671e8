package dev.switchboard.hub.socket;

import dev.switchboard.hub.engine.EngineServer;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Socket.IO v5 server (the protocol of socket.io 3 and 4) over {@link EngineServer}: namespaces
 * with middleware, rooms, acknowledgements both ways, binary attachments, connection-state recovery
 * and per-socket limits. Single-threaded: create and use it on one event loop.
 */
public final class SocketServer {

  private static final long PURGE_EVERY_MS = 10_000;

  private final Vertx vertx;
  private final SocketOptions options;
  private final SocketMetrics metrics;
  private final EngineServer engine;
  private final Map<String, Namespace> namespaces = new LinkedHashMap<>();
  private final long purgeTimer;

  public SocketServer(Vertx vertx, SocketOptions options, SocketMetrics metrics) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.engine = new EngineServer(vertx, options.engine(), socket -> new Client(this, socket));
    this.purgeTimer =
        vertx.setPeriodic(
            PURGE_EVERY_MS,
            id -> {
              long now = System.currentTimeMillis();
              namespaces.values().forEach(ns -> ns.purge(now));
            });
  }

  public EngineServer engine() {
    return engine;
  }

  /** The namespace of that name, created on first use. */
  public Namespace of(String name) {
    return namespaces.computeIfAbsent(name, n -> new Namespace(n, this));
  }

  public Collection<Namespace> namespaces() {
    return namespaces.values();
  }

  /** Closes every connection and stops the housekeeping. */
  public void close() {
    vertx.cancelTimer(purgeTimer);
    engine.closeAll();
  }

  Namespace namespace(String name) {
    return namespaces.get(name);
  }

  public SocketOptions options() {
    return options;
  }

  SocketMetrics metrics() {
    return metrics;
  }

  Vertx vertx() {
    return vertx;
  }

  static String newId() {
    return EngineServer.newId();
  }
}
