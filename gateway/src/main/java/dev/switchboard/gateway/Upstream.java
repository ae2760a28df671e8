package dev.switchboard.gateway;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ExpectContinue;
import dev.switchboard.common.http.InProcess;
import dev.switchboard.common.http.Problems;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.net.URI;

/**
 * A service with an HTTP server of its own that the gateway passes some requests on to, unchanged
 * and never buffered (uploads, downloads, server-sent events): through a reverse proxy to its URL,
 * with a 503 problem naming the service when it does not answer; or, for a service that offers its
 * router {@link InProcess in-process} and runs in the gateway's JVM, to that router on the
 * gateway's own {@code RoutingContext}, so the bytes are read once, from the client's socket.
 *
 * <p>The hand-over is a sub-router: the request's routing context stays the gateway's, so the audit
 * log's end handler and the problem+json failure handlers still see the answer (handing the bare
 * request to the service's router would start a second context whose response end handler replaces
 * the gateway's). The service's router then checks the request as its own server does (host,
 * credential, role, limits).
 */
final class Upstream {

  /** The routing context key of the in-process router a request is handed to. */
  private static final String HANDED_TO = "switchboard.upstream.router";

  private final Vertx vertx;
  private final String service;
  private final boolean inProcess;
  private final HttpProxy proxy;

  private Upstream(Vertx vertx, String service, URI url, int connections, boolean inProcess) {
    this.vertx = vertx;
    this.service = service;
    this.inProcess = inProcess;
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(connections));
    this.proxy =
        HttpProxy.reverseProxy(client)
            .origin(url.getPort(), url.getHost())
            .addInterceptor(new Unreachable(service));
  }

  /** {@code service} at {@code url}, at most {@code connections} at once. */
  static Upstream proxied(Vertx vertx, String service, URI url, int connections) {
    return new Upstream(vertx, service, url, connections, false);
  }

  /**
   * In-process when {@code service} runs in this JVM and offers its router, else proxied; the
   * router must have a {@link #handOver(Router)} route after the routes that use this.
   */
  static Upstream inProcessOrProxied(Vertx vertx, String service, URI url, int connections) {
    return new Upstream(vertx, service, url, connections, true);
  }

  /**
   * The route that runs the service's router for the requests {@link #handle} handed over, on the
   * same context. Pathless, so the service's routes match the whole path (a sub-router takes the
   * path of the route it runs from as its mount point); any other request passes on.
   */
  static void handOver(Router router) {
    router
        .route()
        .handler(
            ctx -> {
              Router local = ctx.get(HANDED_TO);
              if (local == null) {
                ctx.next();
              } else {
                local.handleContext(ctx);
              }
            });
  }

  void handle(RoutingContext ctx) {
    if (inProcess) {
      var local = InProcess.find(vertx, service);
      if (local.isPresent()) {
        ctx.put(HANDED_TO, local.get());
        ctx.next();
        return;
      }
    }
    // the proxy sends the request's head with the first piece of its body, so a client waiting
    // for 100 Continue would wait for the service while the service waits for it: the gateway,
    // whose checks the request passed, answers it (the service still refuses what it would)
    ExpectContinue.goAhead(ctx.request());
    proxy.handle(ctx.request());
  }

  /** When the service does not answer, a 503 problem that says so, not a bare 502. */
  private record Unreachable(String service) implements ProxyInterceptor {
    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
      return context
          .sendRequest()
          .recover(
              err -> {
                ApiException problem =
                    ApiException.unavailable(
                        service
                            + " does not answer (is it running? ./switchboard runs it by default)");
                ProxyResponse response =
                    context.request().response().setStatusCode(problem.status());
                response.headers().set(HttpHeaders.CONTENT_TYPE, Problems.CONTENT_TYPE);
                response.setBody(
                    Body.body(Problems.body(problem, context.request().getURI()).toBuffer()));
                return Future.succeededFuture(response);
              });
    }
  }
}
