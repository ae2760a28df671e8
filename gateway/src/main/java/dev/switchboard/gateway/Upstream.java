package dev.switchboard.gateway;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.Problems;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.net.URI;

/**
 * A service with an HTTP server of its own that the gateway passes some requests on to, unchanged
 * and never buffered (uploads, downloads, server-sent events), through a reverse proxy to its URL,
 * with a 503 problem naming the service when it does not answer.
 */
final class Upstream {

  private final HttpProxy proxy;

  private Upstream(Vertx vertx, String service, URI url, int connections) {
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
    return new Upstream(vertx, service, url, connections);
  }

  void handle(RoutingContext ctx) {
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
