package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * mcp-host's routes: the definitions of {@code /api/v1/mcp/servers} are commands on the event bus
 * ({@code mcp.servers.*}), and so is the call audit {@code /api/v1/mcp/calls} ({@code
 * mcp.calls.list}); the Streamable HTTP endpoint {@code /mcp/{server}} is streamed on to mcp-host's
 * own HTTP server, unchanged and never buffered (SSE included), once the bearer token has passed
 * here (operator or admin); mcp-host checks the same credential again.
 */
final class McpRoutes {

  private static final int BODY_LIMIT = 1024 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * The query parameters of {@code GET /api/v1/mcp/calls}, passed on as given (mcp-host checks).
   */
  private static final List<String> CALL_FILTERS =
      List.of(
          "server", "tool", "project", "outcome", "caller", "since", "until", "limit", "before");

  private final Vertx vertx;
  private final Upstream upstream;

  private McpRoutes(Vertx vertx, URI mcpUrl) {
    this.vertx = vertx;
    this.upstream = Upstream.proxied(vertx, "mcp-host", mcpUrl, 256);
  }

  static void mount(Operations api, Router router, Vertx vertx, JsonObject config, URI mcpUrl) {
    McpRoutes routes = new McpRoutes(vertx, mcpUrl);
    routes.mountApi(api);
    Authenticator authenticator =
        new Authenticator(
            vertx, Credentials.fromConfig(config.getJsonObject("auth", new JsonObject())));
    router.route("/mcp/*").handler(BearerAuth.requiring(authenticator, Action.OPERATE));
    router.route("/mcp/*").handler(routes.upstream::handle);
    // seed 003's WebSocket transport: the proxy carries the upgrade, then the frames both ways
    router.route("/ws/mcp/*").handler(BearerAuth.requiring(authenticator, Action.OPERATE));
    router.route("/ws/mcp/*").handler(routes.upstream::handle);
  }

  private void mountApi(Operations api) {
    api.route("listMcpServers", Action.READ)
        .handler(
            ctx ->
                Forward.reply(ctx, vertx, Addresses.MCP_SERVERS_LIST, new JsonObject(), TIMEOUT));
    api.route("listMcpCalls", Action.READ)
        .handler(
            ctx -> {
              JsonObject filters = new JsonObject();
              for (String name : CALL_FILTERS) {
                String value = ctx.queryParams().get(name);
                if (value != null) {
                  filters.put(name, value);
                }
              }
              Forward.reply(ctx, vertx, Addresses.MCP_CALLS_LIST, filters, TIMEOUT);
            });
    api.route("getMcpServer", Action.READ)
        .handler(
            ctx ->
                Forward.reply(
                    ctx,
                    vertx,
                    Addresses.MCP_SERVERS_GET,
                    new JsonObject().put("name", ctx.pathParam("name")),
                    TIMEOUT));
    api.route("mcpServerLogs", Action.READ)
        .handler(
            ctx -> {
              JsonObject source = new JsonObject().put("name", ctx.pathParam("name"));
              String project = ctx.queryParams().get("project");
              if (project != null) {
                source.put("project", project);
              }
              SupervisorRoutes.logs(vertx, ctx, Addresses.MCP_SERVERS_LOGS, source);
            });
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
}
