package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
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

  static void mount(Operations api, Vertx vertx) {
    new SupervisorRoutes(vertx).routes(api);
  }

  private void routes(Operations api) {
    api.route("listServices", Action.READ).handler(this::status);
    api.route("createService", Action.ADMINISTER, BODY_LIMIT).handler(this::create);
    api.route("servicesStatus", Action.READ).handler(this::status);
    api.route("refreshServices", Action.OPERATE)
        .handler(
            ctx ->
                ask(ctx, Addresses.SUPERVISOR_SERVICES_REFRESH, new JsonObject(), COMMAND_TIMEOUT));
    api.route("getService", Action.READ)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_SERVICES_GET,
                    named(ctx)
                        .put(Addresses.ENV_VALUES, BearerAuth.role(ctx).may(Action.READ_SECRETS)),
                    QUERY_TIMEOUT));
    api.route("updateService", Action.ADMINISTER, BODY_LIMIT)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_SERVICES_UPDATE,
                    named(ctx).put("definition", Forward.jsonBody(ctx)),
                    QUERY_TIMEOUT));
    api.route("deleteService", Action.ADMINISTER)
        .handler(
            ctx -> ask(ctx, Addresses.SUPERVISOR_SERVICES_DELETE, named(ctx), COMMAND_TIMEOUT));
    api.route("startService", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_START));
    api.route("stopService", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_STOP));
    api.route("restartService", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_RESTART));
    api.route("serviceEvents", Action.READ)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_SERVICES_EVENTS,
                    named(ctx).mergeIn(Forward.query(ctx, "limit")),
                    QUERY_TIMEOUT));
    api.route("serviceLogs", Action.READ)
        .handler(ctx -> logs(ctx, Addresses.SUPERVISOR_SERVICES_LOGS, named(ctx)));

    // the seed's routes, same answers
    api.route("seedServicesStatus", Action.READ).handler(this::status);
    api.route("seedStartService", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_START));
    api.route("seedStopService", Action.OPERATE)
        .handler(ctx -> command(ctx, Addresses.SUPERVISOR_SERVICES_STOP));

    api.route("createDeployment", Action.OPERATE, BODY_LIMIT)
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
    api.route("listDeployments", Action.READ)
        .handler(
            ctx ->
                ask(
                    ctx,
                    Addresses.SUPERVISOR_DEPLOYMENTS_LIST,
                    Forward.query(ctx, "service", "limit"),
                    QUERY_TIMEOUT));
    api.route("getDeployment", Action.READ)
        .handler(ctx -> ask(ctx, Addresses.SUPERVISOR_DEPLOYMENTS_GET, id(ctx), QUERY_TIMEOUT));
    api.route("deploymentLogs", Action.READ)
        .handler(ctx -> logs(ctx, Addresses.SUPERVISOR_DEPLOYMENTS_LOGS, id(ctx)));
    api.route("cancelDeployment", Action.OPERATE)
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

  private void logs(RoutingContext ctx, String address, JsonObject source) {
    logs(vertx, ctx, address, source);
  }

  /**
   * A log query of {@code source} at {@code address}, answered as one JSON page, or exported whole
   * as NDJSON.
   */
  static void logs(Vertx vertx, RoutingContext ctx, String address, JsonObject source) {
    JsonObject query = source.mergeIn(Forward.query(ctx, LOG_QUERY));
    if (LogExport.wanted(ctx)) {
      query.remove("limit");
      LogExport.stream(vertx, ctx, address, query, QUERY_TIMEOUT);
    } else {
      Forward.reply(ctx, vertx, address, query, QUERY_TIMEOUT);
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
