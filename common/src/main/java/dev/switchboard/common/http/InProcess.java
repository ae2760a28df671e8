package dev.switchboard.common.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Optional;

/**
 * The HTTP handlers a service offers to the other services of its own JVM: a service that would
 * relay a request to it over a socket (the gateway proxying an upload to file-processor) hands the
 * request over in-process instead, so its bytes are read once and never written to a second socket.
 * In a split deployment each process has its own Vert.x and finds nothing here; the caller then
 * goes over the network as before.
 *
 * <p>The handler runs on the caller's event loop, so what it shares between requests must be safe
 * to use from several threads (a {@code Router} is).
 */
public final class InProcess {

  private static final String MAP = "switchboard.in-process-handlers";

  private InProcess() {}

  /** Offers {@code handler} under {@code service} until {@link #withdraw withdrawn}. */
  public static void offer(Vertx vertx, String service, Handler<HttpServerRequest> handler) {
    handlers(vertx).put(service, new Offered(handler));
  }

  public static void withdraw(Vertx vertx, String service) {
    handlers(vertx).remove(service);
  }

  /** The handler {@code service} offers in this JVM, if it runs here. */
  public static Optional<Handler<HttpServerRequest>> find(Vertx vertx, String service) {
    return Optional.ofNullable(handlers(vertx).get(service)).map(Offered::handler);
  }

  private static LocalMap<String, Offered> handlers(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  /** Shared by reference: the handler is meant to be called from other verticles. */
  private record Offered(Handler<HttpServerRequest> handler) implements Shareable {}
}
