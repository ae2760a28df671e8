package dev.switchboard.gateway;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;

/**
 * The supervisor's routes: managed services ({@code /api/v1/services}), their seed aliases ({@code
 * /api/services/status}, {@code /api/services/{name}/start|stop}) and deployments ({@code
 * /api/v1/deployments}). Each is one request to {@code supervisor.*} on the event bus; the
 * supervisor checks the input and names the bad field. The bearer check is the gateway's; the
 * supervisor masks env values everywhere except in one service read by a role that may read
 * secrets.
 */
final class SupervisorRoutes {

  /** A definition or a deployment is small; anything bigger than this is refused with 413. */
  static final long BODY_LIMIT = 256 * 1024;

  /** Reads and definition changes. */
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Start, stop, restart, delete and refresh answer once the process is started or gone, which can
   * take a stop timeout or a wait for dependencies; past this the answer is 504 and the command
   * goes on (the state shows in {@code GET /api/v1/services/{name}}).
   */
  static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

  static final String[] LOG_QUERY = {"since", "until", "stream", "q", "after", "limit"};

  private final Vertx vertx;

  private SupervisorRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  static void mount(Router router, Vertx vertx) {
    new SupervisorRoutes(vertx).routes(router);
  }

  private void routes(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
    Access.route(router, HttpMethod.GET, "/api/v1/services", Action.READ)
        .handler(
            ctx -> ask(ctx, Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject(), QUERY_TIMEOUT));
    Access.route(router, HttpMethod.POST, "/api/v1/services", Action.ADMINISTER)
        .handler(body)
        .handler(this::create);
    // before /{name}: these are not service names
    Access.route(router, HttpMethod.GET, "/api/v1/services/status", Action.READ)
        .handler(this::status);
    Access.route(router, HttpMethod.POST, "/api/v1/services/refresh", Action.OPERATE)
        .handler(
            ctx ->
                ask(ctx, Addresses.SUPERVISOR_SERVICES_REFRESH, new JsonObject(), COMMAND_TIMEOUT));
    Access.route(router, HttpMethod.GET, "/api/v1/services/:name", Action.READ)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_SERVICES_GET,
                    named(ctx)
                        .put(Addresses.ENV_VALUES, BearerAuth.role(ctx).may(Action.READ_SECRETS)),
                    QUERY_TIMEOUT));
    Access.route(router, HttpMethod.PUT, "/api/v1/services/:name", Action.ADMINISTER)
        .handler(body)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_SERVICES_UPDATE,
                    named(ctx).put("definition", Forward.jsonBody(ctx)),
                    QUERY_TIMEOUT));
    Access.route(router, HttpMethod.DELETE, "/api/v1/services/:name", Action.ADMINISTER)
        .handler(
            ctx -> ask(ctx, Addresses.SUPERVISOR_SERVICES_DELETE, named(ctx), COMMAND_TIMEOUT));
    Access.route(router, HttpMethod.POST, "/api/v1/services/:name/start", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_START));
    Access.route(router, HttpMethod.POST, "/api/v1/services/:name/stop", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_STOP));
    Access.route(router, HttpMethod.POST, "/api/v1/services/:name/restart", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_RESTART));
    Access.route(router, HttpMethod.GET, "/api/v1/services/:name/events", Action.READ)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_SERVICES_EVENTS,
                    named(ctx).mergeIn(Forward.query(ctx, "limit")),
                    QUERY_TIMEOUT));
    Access.route(router, HttpMethod.GET, "/api/v1/services/:name/logs", Action.READ)
        .handler(ctx -> logs(ctx, Addresses.SUPERVISOR_SERVICES_LOGS, named(ctx)));

    // the seed's routes, same answers
    Access.route(router, HttpMethod.GET, "/api/services/status", Action.READ).handler(this::status);
    Access.route(router, HttpMethod.POST, "/api/services/:name/start", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_START));
    Access.route(router, HttpMethod.POST, "/api/services/:name/stop", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_STOP));

    Access.route(router, HttpMethod.POST, "/api/v1/deployments", Action.OPERATE)
        .handler(body)
        .handler(
            ctx ->
                Forward.created(
                    ctx,
                    Bus.request(
                        vertx,
                        Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
                        Forward.jsonBody(ctx),
                        QUERY_TIMEOUT),
                    202,
                    deployment -> "/api/v1/deployments/" + deployment.getString("id")));
    Access.route(router, HttpMethod.GET, "/api/v1/deployments", Action.READ)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_DEPLOYMENTS_LIST,
                    Forward.query(ctx, "service", "limit"),
                    QUERY_TIMEOUT));
    Access.route(router, HttpMethod.GET, "/api/v1/deployments/:id", Action.READ)
        .handler(ctx -> ask(ctx, Addresses.SUPERVISOR_DEPLOYMENTS_GET, id(ctx), QUERY_TIMEOUT));
    Access.route(router, HttpMethod.GET, "/api/v1/deployments/:id/logs", Action.READ)
        .handler(ctx -> logs(ctx, Addresses.SUPERVISOR_DEPLOYMENTS_LOGS, id(ctx)));
    Access.route(router, HttpMethod.POST, "/api/v1/deployments/:id/cancel", Action.OPERATE)
        .handler(ctx -> ask(ctx, Addresses.SUPERVISOR_DEPLOYMENTS_CANCEL, id(ctx), QUERY_TIMEOUT));
  }

  private void create(RoutingContext ctx) {
    Forward.created(
        ctx,
        Bus.request(
            vertx, Addresses.SUPERVISOR_SERVICES_CREATE, Forward.jsonBody(ctx), QUERY_TIMEOUT),
        201,
        service -> "/api/v1/services/" + service.getString("name"));
  }

  private void status(RoutingContext ctx) {
    ask(ctx, Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject(), QUERY_TIMEOUT);
  }

  private void command(RoutingContext ctx, String address) {
    ask(ctx, address, named(ctx), COMMAND_TIMEOUT);
  }

  /** A log query answered as one JSON page, or exported whole as NDJSON. */
  private void logs(RoutingContext ctx, String address, JsonObject source) {
    JsonObject query = source.mergeIn(Forward.query(ctx, LOG_QUERY));
    if (LogExport.wanted(ctx)) {
      query.remove("limit");
      LogExport.stream(vertx, ctx, address, query, QUERY_TIMEOUT);
    } else {
      ask(ctx, address, query, QUERY_TIMEOUT);
    }
  }

  private void ask(RoutingContext ctx, String address, JsonObject body, Duration timeout) {
    Forward.reply(ctx, vertx, address, body, timeout);
  }

  private static JsonObject named(RoutingContext ctx) {
    return new JsonObject().put("name", ctx.pathParam("name"));
  }

  private static JsonObject id(RoutingContext ctx) {
    return new JsonObject().put("id", ctx.pathParam("id"));
  }
}
