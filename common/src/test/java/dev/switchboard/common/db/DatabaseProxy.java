package dev.switchboard.common.db;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of a test database that a test can {@link #cut} (every connection closed,
 * new ones refused, as when the server is killed) and {@link #restore} on the same port: an outage
 * of the database without touching the server other tests share.
 */
public final class DatabaseProxy implements AutoCloseable {

  private final Vertx vertx;
  private final URI target;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private int port;

  private DatabaseProxy(Vertx vertx, URI target) {
    this.vertx = vertx;
    this.target = target;
    this.client = vertx.createNetClient();
  }

  /**
   * A proxy for the database of {@code url} ({@code postgresql://...}), listening on a free port.
   */
  public static DatabaseProxy start(Vertx vertx, String url) {
    DatabaseProxy proxy = new DatabaseProxy(vertx, URI.create(url));
    proxy.listen(0);
    return proxy;
  }

  /** {@code url} with the proxy's port. */
  public String url() {
    try {
      return new URI(
              target.getScheme(),
              target.getUserInfo(),
              target.getHost(),
              port,
              target.getPath(),
              target.getQuery(),
              null)
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Closes every connection and stops listening: the database is gone. */
  public void cut() {
    server.close().await();
    List.copyOf(sockets).forEach(NetSocket::close);
  }

  /** Listens again on the same port. */
  public void restore() {
    listen(port);
  }

  @Override
  public void close() {
    cut();
    client.close().await();
  }

  private void listen(int on) {
    PgConnectOptions options = Database.connectOptions(target.toString());
    server =
        vertx
            .createNetServer()
            .connectHandler(
                downstream -> {
                  downstream.pause();
                  sockets.add(downstream);
                  downstream.closeHandler(v -> sockets.remove(downstream));
                  client
                      .connect(options.getPort(), options.getHost())
                      .onComplete(
                          connected -> {
                            if (connected.failed()) {
                              downstream.close();
                              return;
                            }
                            NetSocket upstream = connected.result();
                            sockets.add(upstream);
                            upstream.closeHandler(
                                v -> {
                                  sockets.remove(upstream);
                                  downstream.close();
                                });
                            downstream.closeHandler(
                                v -> {
                                  sockets.remove(downstream);
                                  upstream.close();
                                });
                            downstream.pipeTo(upstream);
                            upstream.pipeTo(downstream);
                          });
                });
    port = server.listen(on, "127.0.0.1").await().actualPort();
  }
}
