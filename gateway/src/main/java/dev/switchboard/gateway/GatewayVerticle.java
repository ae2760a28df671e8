package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.auth.FailedSignIns;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.http.ApiRouter;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.common.observability.Ping;
import dev.switchboard.gateway.auth.AuditLog;
import dev.switchboard.gateway.auth.Sessions;
import dev.switchboard.gateway.auth.SignedOutSessions;
import dev.switchboard.gateway.auth.TokenStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The REST API under {@code /api/v1} (system stats here, the supervisor's services and deployments
 * in {@link SupervisorRoutes}), described by {@code openapi/switchboard.yaml}, plus the seed's
 * {@code /api/services} aliases. Every API route demands a bearer token whose role may do the
 * action the route names ({@code common.auth.Access}: read, operate or administer), but for the
 * first-start link's code exchange ({@link SignInRoutes#CODE}), which takes none; pages of the
 * listed origins may call it cross-origin. Also serves the operational routes of its process.
 *
 * <p>Config slice: {@code port}, {@code bindHost}, {@code auth.adminToken}, {@code
 * auth.operatorToken}, {@code auth.viewerToken}, {@code auth.emitToken}, {@code database.url} and
 * {@code database.poolSize} (the {@code auth} schema of named tokens and signed-out sessions),
 * {@code dataDir} (where the sign-in JWTs' key and this gateway's sign-outs are kept), {@code
 * sessionLifetime} (seconds; 900), {@code sessionMaxAge} (seconds; 7 days), {@code auditRetention}
 * (milliseconds; 90 days) and {@code auditMaxRows} (100000), the audit log's retention ({@link
 * AuditTrail}, {@link AuditRoutes}), {@code process}, {@code files.url} or {@code files.port}
 * (where file-processor listens), {@code mcp.url} or {@code mcp.port} (where mcp-host listens:
 * {@link McpRoutes}), {@code corsOrigins} (the browser origins allowed to call the API: {@link
 * CrossOrigin}), {@code hub.port} (where the browser app finds the hub; 3007 by default), {@code
 * webroot} (the app's build; the classpath's {@code webroot/} by default).
 */
public final class GatewayVerticle extends VerticleBase {

  public static final String NAME = "gateway";
  private HttpServer server;
  private Router router;
  private Pool pool;
  private TokenRoutes tokens;
  private SignInRoutes signIn;
  private Optional<AuditLog> audit = Optional.empty();
  private SignedOutSessions signedOut;
  private AuditRoutes auditRoutes;

  /** How long audit log entries are kept, by default. */
  static final Duration AUDIT_RETENTION = Duration.ofDays(90);

  /** How many audit log entries are kept at most, by default. */
  static final int AUDIT_MAX_ROWS = 100_000;

  private final FailedSignIns failures = FailedSignIns.standard();

  /** How long a sign-in JWT lives, in seconds: 15 minutes. */
  static final long SESSION_LIFETIME = 15 * 60;

  /** How long after its sign-in a session may be renewed, in seconds: 7 days. */
  static final long SESSION_MAX_AGE = 7 * 24 * 60 * 60;

  @Override
  public Future<?> start() {
    JsonObject database = config().getJsonObject("database");
    Optional<TokenStore> store = Optional.empty();
    if (database != null && database.getString("url") != null) {
      pool =
          Database.pool(vertx, database.getString("url"), database.getInteger("poolSize", 4), NAME);
      store = Optional.of(new TokenStore(pool, Instant::now));
      audit =
          Optional.of(
              new AuditLog(
                  vertx,
                  pool,
                  Clock.systemUTC(),
                  Duration.ofMillis(config().getLong("auditRetention", AUDIT_RETENTION.toMillis())),
                  config().getInteger("auditMaxRows", AUDIT_MAX_ROWS)));
      audit.get().start();
    }
    auditRoutes = new AuditRoutes(vertx, audit);
    Duration lifetime = Duration.ofSeconds(config().getLong("sessionLifetime", SESSION_LIFETIME));
    Optional<Path> dataDir = Optional.ofNullable(config().getString("dataDir")).map(Path::of);
    signedOut =
        new SignedOutSessions(
            vertx,
            Optional.ofNullable(pool),
            dataDir.map(dir -> dir.resolve(SignedOutSessions.FILE)),
            lifetime,
            Clock.systemUTC(),
            SignedOutSessions.CAPACITY);
    Sessions sessions;
    try {
      sessions =
          Sessions.load(
              vertx,
              dataDir,
              lifetime,
              Duration.ofSeconds(config().getLong("sessionMaxAge", SESSION_MAX_AGE)),
              Credentials.fromConfig(config().getJsonObject("auth", new JsonObject())),
              store,
              signedOut);
    } catch (IOException e) {
      return Future.failedFuture(
          new IllegalStateException("cannot read or create the session key: " + e.getMessage()));
    }
    signIn = new SignInRoutes(vertx, sessions, failures);
    tokens = new TokenRoutes(vertx, store, sessions);
    return signedOut
        .start()
        .compose(loaded -> Contract.load(vertx))
        .compose(
            contract -> {
              router = router(contract);
              return Future.join(tokens.serve(), auditRoutes.serve()).mapEmpty();
            })
        .compose(
            served ->
                HttpServers.listen(
                    HttpServers.takingUploads(vertx).requestHandler(router),
                    config().getString("bindHost", "127.0.0.1"),
                    config().getInteger("port", 3006),
                    "GATEWAY_PORT"))
        .onSuccess(listening -> server = listening)
        .compose(listening -> Ping.answer(vertx, NAME, Future::succeededFuture));
  }

  @Override
  public Future<?> stop() {
    Future<Void> written =
        Future.join(
                audit.map(AuditLog::stop).orElse(Future.succeededFuture()),
                signedOut == null ? Future.succeededFuture() : signedOut.stop())
            .mapEmpty();
    return pool == null ? written : written.eventually(pool::close);
  }

  /** Where file-processor's own HTTP server is: {@code files.url}, else this host's files port. */
  private URI filesUrl() {
    JsonObject files = config().getJsonObject("files", new JsonObject());
    String url = files.getString("url");
    return URI.create(url != null ? url : "http://127.0.0.1:" + files.getInteger("port", 3009));
  }

  /** Where mcp-host's own HTTP server is: {@code mcp.url}, else this host's MCP port. */
  private URI mcpUrl() {
    JsonObject mcp = config().getJsonObject("mcp", new JsonObject());
    String url = mcp.getString("url");
    return URI.create(url != null ? url : "http://127.0.0.1:" + mcp.getInteger("port", 3010));
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The routes the gateway serves, each API route with the action it needs. */
  List<Route> routes() {
    return router.getRoutes();
  }

  /**
   * The API's routes, each mounted from its operation in the contract, guarded by the action it
   * needs and checked against the contract, then the app's pages.
   */
  private Router router(OpenAPIContract contract) {
    // CORS before the bearer check: a browser's preflight carries no token
    // the session cookie counts: CORS refuses a page of an origin not allowed before it is read
    // the audit trail watches every API request from before the bearer check: a failed sign-in
    // is recorded too
    AuditTrail trail = new AuditTrail(audit);
    // the one exemption from the bearer check: the first-start link's code exchange, whose failures
    // count with the failed tokens
    Router router =
        ApiRouter.create(
            vertx,
            config(),
            true,
            failures,
            Set.of(SignInRoutes.CODE),
            CrossOrigin.fromConfig(config()),
            trail.watcher());
    Operations api = new Operations(router, contract, trail);
    api.route("contract", Action.READ)
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/yaml")
                    .sendFile(Contract.PATH));
    api.route("latestStats", Action.READ)
        .handler(ctx -> Forward.reply(ctx, vertx, Addresses.STATS_LATEST));
    // system-stats reads the times and the step and names the one it cannot read
    api.route("statsHistory", Action.READ)
        .handler(ctx -> Forward.reply(ctx, vertx, Addresses.STATS_HISTORY, "from", "to", "step"));
    api.route("systemInfo", Action.READ)
        .handler(ctx -> Forward.reply(ctx, vertx, Addresses.STATS_INFO));
    SupervisorRoutes.mount(api, vertx);
    tokens.mount(api);
    signIn.mount(api);
    auditRoutes.mount(api);
    FileRoutes.mount(api, router, vertx, filesUrl());
    McpRoutes.mount(api, router, vertx, config(), mcpUrl());
    // last: the app's page paths take whatever no route above took
    WebApp.mount(
        router,
        vertx,
        config().getString("webroot", WebApp.ROOT),
        config().getJsonObject("hub", new JsonObject()).getInteger("port", 3007));
    return router;
  }
}
