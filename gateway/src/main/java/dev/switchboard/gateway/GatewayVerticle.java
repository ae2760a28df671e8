package dev.switchboard.gateway;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiRouter;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.common.observability.Ping;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.openapi.contract.OpenAPIContract;
import java.net.URI;

/**
 * The REST API under {@code /api/v1} (system stats here, the supervisor's services and deployments
 * in {@link SupervisorRoutes}), described by {@code openapi/switchboard.yaml}, plus the seed's
 * {@code /api/services} aliases. Every API route demands a bearer token whose role may read ({@code
 * GET}) or control (any other method), as {@code common.auth.Role} says; pages of the listed
 * origins may call it cross-origin. Also serves the operational routes of its process.
 *
 * <p>Config slice: {@code port}, {@code bindHost}, {@code auth.adminToken}, {@code
 * auth.viewerToken}, {@code auth.emitToken}, {@code process}, {@code files.url} or {@code
 * files.port} (where file-processor listens), {@code corsOrigins} (the browser origins allowed to
 * call the API: {@link CrossOrigin}), {@code hub.port} (where the browser app finds the hub; 3007
 * by default), {@code webroot} (the app's build; the classpath's {@code webroot/} by default).
 */
public final class GatewayVerticle extends VerticleBase {

  public static final String NAME = "gateway";
  private HttpServer server;
  private Router router;

  @Override
  public Future<?> start() {
    return Contract.load(vertx)
        .compose(
            contract -> {
              router = router(contract);
              return HttpServers.listen(
                  vertx.createHttpServer().requestHandler(router),
                  config().getString("bindHost", "127.0.0.1"),
                  config().getInteger("port", 3006),
                  "GATEWAY_PORT");
            })
        .onSuccess(listening -> server = listening)
        .compose(listening -> Ping.answer(vertx, NAME, Future::succeededFuture));
  }

  /** Where file-processor's own HTTP server is: {@code files.url}, else this host's files port. */
  private URI filesUrl() {
    JsonObject files = config().getJsonObject("files", new JsonObject());
    String url = files.getString("url");
    return URI.create(url != null ? url : "http://127.0.0.1:" + files.getInteger("port", 3009));
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The routes it serves (for the test that holds them against the contract). */
  Router routes() {
    return router;
  }

  /**
   * The API's routes, each mounted from its operation in the contract and checked against it, then
   * the app's pages.
   */
  private Router router(OpenAPIContract contract) {
    // /api/v1 and the seed's /api/services aliases: GET reads, every other method controls
    // CORS before the bearer check: a browser's preflight carries no token
    Router router = ApiRouter.create(vertx, config(), CrossOrigin.fromConfig(config()));
    Operations api = new Operations(router, contract);
    api.route("contract")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/yaml")
                    .sendFile(Contract.PATH));
    api.route("latestStats").handler(ctx -> Forward.reply(ctx, vertx, Addresses.STATS_LATEST));
    // system-stats reads the times and the step and names the one it cannot read
    api.route("statsHistory")
        .handler(ctx -> Forward.reply(ctx, vertx, Addresses.STATS_HISTORY, "from", "to", "step"));
    api.route("systemInfo").handler(ctx -> Forward.reply(ctx, vertx, Addresses.STATS_INFO));
    SupervisorRoutes.mount(api, vertx);
    FileRoutes.mount(api, vertx, filesUrl());
    // last: the app's page paths take whatever no route above took
    WebApp.mount(
        router,
        vertx,
        config().getString("webroot", WebApp.ROOT),
        config().getJsonObject("hub", new JsonObject()).getInteger("port", 3007));
    return router;
  }
}
