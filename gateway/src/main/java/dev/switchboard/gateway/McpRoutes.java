package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.Problems;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.net.URI;
import java.time.Duration;

/**
 * mcp-host's routes: the definitions of {@code /api/v1/mcp/servers} are commands on the event bus
 * ({@code mcp.servers.*}); the Streamable HTTP endpoint {@code /mcp/{server}} is streamed on to
 * mcp-host's own HTTP server, unchanged and never buffered (SSE included), once the bearer token
 * has passed here (operator or admin); mcp-host checks the same credential again.
 */
final class McpRoutes {

  private static final int BODY_LIMIT = 1024 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final HttpProxy proxy;

  private McpRoutes(Vertx vertx, URI mcpUrl) {
    this.vertx = vertx;
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
    this.proxy =
        HttpProxy.reverseProxy(client)
            .origin(mcpUrl.getPort(), mcpUrl.getHost())
            .addInterceptor(new Unreachable());
  }

  static void mount(Operations api, Router router, Vertx vertx, JsonObject config, URI mcpUrl) {
    McpRoutes routes = new McpRoutes(vertx, mcpUrl);
    routes.mountApi(api);
    Authenticator authenticator =
        new Authenticator(
            vertx, Credentials.fromConfig(config.getJsonObject("auth", new JsonObject())));
    router.route("/mcp/*").handler(BearerAuth.requiring(authenticator, Action.OPERATE));
    router.route("/mcp/*").handler(ctx -> routes.proxy.handle(ctx.request()));
  }

  private void mountApi(Operations api) {
    api.route("listMcpServers", Action.READ)
        .handler(
            ctx ->
                Forward.reply(ctx, vertx, Addresses.MCP_SERVERS_LIST, new JsonObject(), TIMEOUT));
    api.route("getMcpServer", Action.READ)
        .handler(
            ctx ->
                Forward.reply(
                    ctx,
                    vertx,
                    Addresses.MCP_SERVERS_GET,
                    new JsonObject().put("name", ctx.pathParam("name")),
                    TIMEOUT));
    api.route("createMcpServer", Action.ADMINISTER, BODY_LIMIT)
        .handler(
            ctx ->
                Forward.created(
                    ctx,
                    Bus.request(
                        vertx,
                        Addresses.MCP_SERVERS_CREATE,
                        new JsonObject().put("definition", Forward.jsonBody(ctx)),
                        TIMEOUT),
                    201,
                    json -> "/api/v1/mcp/servers/" + json.getString("name")));
    api.route("updateMcpServer", Action.ADMINISTER, BODY_LIMIT)
        .handler(
            ctx ->
                Forward.reply(
                    ctx,
                    vertx,
                    Addresses.MCP_SERVERS_UPDATE,
                    new JsonObject()
                        .put("name", ctx.pathParam("name"))
                        .put("definition", Forward.jsonBody(ctx)),
                    TIMEOUT));
    api.route("deleteMcpServer", Action.ADMINISTER)
        .handler(
            ctx ->
                Forward.reply(
                    ctx,
                    vertx,
                    Addresses.MCP_SERVERS_DELETE,
                    new JsonObject().put("name", ctx.pathParam("name")),
                    TIMEOUT));
  }

  /** When mcp-host does not answer, a 503 problem that says so, not a bare 502. */
  private static final class Unreachable implements ProxyInterceptor {
    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
      return context
          .sendRequest()
          .recover(
              err -> {
                ApiException problem =
                    ApiException.unavailable(
                        "mcp-host does not answer (is it running? ./switchboard runs it by default)");
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
