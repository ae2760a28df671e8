package dev.switchboard.common.http;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Router;
import java.util.Optional;

/**
 * The routers services offer to the other services of their own JVM: a service that would relay a
 * request to another over a socket (the gateway proxying an upload to file-processor) hands it to
 * that service's router in-process instead, so the bytes are read once and never written to a
 * second socket. The caller runs the router on its own {@code RoutingContext} ({@link
 * Router#handleContext}, as a sub-router), so its end handlers (the audit log) and failure handlers
 * stay in force. In a split deployment each process has its own Vert.x and finds nothing here; the
 * caller then goes over the network as before.
 *
 * <p>The router runs on the caller's event loop, so what its routes share between requests must be
 * safe to use from several threads.
 */
public final class InProcess {

  private static final String MAP = "switchboard.in-process-routers";

  private InProcess() {}

  /** Offers {@code router} under {@code service} until {@link #withdraw withdrawn}. */
  public static void offer(Vertx vertx, String service, Router router) {
    handlers(vertx).put(service, new Offered(router));
  }

  public static void withdraw(Vertx vertx, String service) {
    handlers(vertx).remove(service);
  }

  /** The router {@code service} offers in this JVM, if it runs here. */
  public static Optional<Router> find(Vertx vertx, String service) {
    return Optional.ofNullable(handlers(vertx).get(service)).map(Offered::router);
  }

  private static LocalMap<String, Offered> handlers(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  /** Shared by reference: the router is meant to be called from other verticles. */
  private record Offered(Router router) implements Shareable {}
}
