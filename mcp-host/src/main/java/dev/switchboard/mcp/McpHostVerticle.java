package dev.switchboard.mcp;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.auth.Revocations;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ApiRouter;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.common.observability.Ping;
import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * mcp-host: the MCP server definitions (schema {@code mcp}, the {@code mcp.servers} section of the
 * config file applied at start, and the commands {@code mcp.servers.*} the gateway's {@code
 * /api/v1/mcp/servers} sends), their instances, the record of every {@code tools/call} ({@code
 * mcp.calls}, read by {@code mcp.calls.list}), and the Streamable HTTP endpoint {@code
 * /mcp/{server}} on an HTTP server of its own ({@code mcp.port}; the gateway forwards its own
 * {@code /mcp/} to it, streamed). See {@link Host} for the multiplexing.
 *
 * <p>Config slice: the {@code mcp} section ({@code port}, {@code maxSessions}, {@code
 * sessionTimeout} in milliseconds, {@code servers}, and for the call audit ({@link CallStore})
 * {@code callsRetention} in milliseconds and {@code callsMaxRows}), plus {@code bindHost}, {@code
 * allowedHosts}, {@code trustedProxies}, {@code corsOrigins}, {@code auth}, {@code database},
 * {@code process}.
 */
public final class McpHostVerticle extends VerticleBase {

  public static final String NAME = "mcp-host";
  private static final long REAP_EVERY_MS = 500;

  static final Duration CALLS_RETENTION = Duration.ofDays(30);
  static final int CALLS_MAX_ROWS = 100_000;

  private Pool pool;
  private Host host;
  private CallStore calls;
  private HttpServer server;
  private long reaper = -1;

  @Override
  public Future<?> start() {
    List<McpServerDefinition> declared;
    try {
      declared = McpServerDefinition.declared(config().getValue("servers"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    JsonObject db = config().getJsonObject("database", new JsonObject());
    pool = Database.pool(vertx, db.getString("url"), db.getInteger("poolSize", 4), "mcp");
    ServerStore store = new ServerStore(pool);
    DatabaseStatus database = new DatabaseStatus(pool, Clock.systemUTC());
    host =
        new Host(
                context,
                sessions -> new HostMeters(Telemetry.registry(), sessions),
                config().getInteger("maxSessions", 1000),
                Duration.ofMillis(
                    config().getLong("sessionTimeout", Duration.ofMinutes(30).toMillis())))
            .clientRequestTimeout(
                Duration.ofMillis(
                    config()
                        .getLong("clientRequestTimeout", Host.CLIENT_REQUEST_TIMEOUT.toMillis())))
            .spawner(SupervisedProcess.spawner(context, config().getString("processes", "auto")))
            .replayLimits(
                new Session.ReplayLimits(
                    config().getInteger("replayEvents", Session.ReplayLimits.DEFAULT.events()),
                    config().getLong("replayBytes", Session.ReplayLimits.DEFAULT.bytes())));
    calls =
        new CallStore(
            vertx,
            pool,
            database,
            Clock.systemUTC(),
            Duration.ofMillis(config().getLong("callsRetention", CALLS_RETENTION.toMillis())),
            config().getInteger("callsMaxRows", CALLS_MAX_ROWS),
            CallStore.CAPACITY);
    host.onToolCall(new CallAudit(calls, host::definition, Clock.systemUTC()));
    Router router = ApiRouter.create(vertx, config());
    Authenticator authenticator =
        new Authenticator(
            vertx, Credentials.fromConfig(config().getJsonObject("auth", new JsonObject())));
    router.route("/mcp/*").handler(BearerAuth.requiring(authenticator, Action.OPERATE));
    router.route("/ws/mcp/*").handler(BearerAuth.requiring(authenticator, Action.OPERATE));
    List<String> origins = new ArrayList<>();
    config().getJsonArray("corsOrigins", new JsonArray()).forEach(o -> origins.add(o.toString()));
    // what a revocation of a named token ends: its WebSocket connections and event streams
    Revocations revocations = Revocations.listening(vertx);
    StreamableHttp streamable =
        new StreamableHttp(vertx, host, origins, authenticator, revocations);
    streamable.mount(router);
    router.route("/ws/mcp/:server").handler(streamable::checkOrigin);
    new WebSocketTransport(
            host, config().getInteger("maxWebSockets", 256), authenticator, revocations)
        .mount(router);
    // the declared definitions are stored once the transports listen for revocations
    Future<Void> applied = revocations.ready();
    for (McpServerDefinition def : declared) {
      applied = applied.compose(v -> store.upsert(def));
    }
    return applied
        .compose(v -> store.all())
        .onSuccess(defs -> defs.forEach(host::put))
        .compose(v -> SupervisedProcess.releaseEarlier(context))
        .compose(v -> serveCommands(store))
        .compose(v -> new SocketSessions(vertx, host).serve())
        .compose(
            v ->
                HttpServers.listen(
                    vertx
                        .createHttpServer(
                            new HttpServerOptions()
                                .setMaxWebSocketMessageSize(WebSocketTransport.MAX_MESSAGE))
                        .requestHandler(router),
                    config().getString("bindHost", "127.0.0.1"),
                    config().getInteger("port", 3010),
                    "MCP_PORT"))
        .onSuccess(listening -> server = listening)
        .compose(v -> Ping.answer(vertx, NAME, database::check))
        .onSuccess(
            v -> {
              reaper = vertx.setPeriodic(REAP_EVERY_MS, id -> host.reap());
              calls.start();
            });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(reaper);
    if (host != null) {
      host.stopAll();
    }
    Future<Void> written = calls == null ? Future.succeededFuture() : calls.stop();
    return written.eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Future<Void> serveCommands(ServerStore store) {
    return Future.all(
            List.of(
                Bus.serve(
                    vertx,
                    Addresses.MCP_SERVERS_LIST,
                    body ->
                        Future.succeededFuture(
                            new JsonObject()
                                .put(
                                    "servers",
                                    new JsonArray(
                                        host.definitions().stream().map(host::status).toList())))),
                Bus.serve(
                    vertx,
                    Addresses.MCP_SERVERS_GET,
                    body -> Future.succeededFuture(host.status(known(body.getString("name"))))),
                Bus.serve(vertx, Addresses.MCP_SERVERS_LOGS, this::logs),
                Bus.serve(
                    vertx,
                    Addresses.MCP_CALLS_LIST,
                    body -> calls.list(CallStore.Query.parse(body))),
                Bus.serve(vertx, Addresses.MCP_SERVERS_CREATE, body -> create(store, body)),
                Bus.serve(vertx, Addresses.MCP_SERVERS_UPDATE, body -> update(store, body)),
                Bus.serve(vertx, Addresses.MCP_SERVERS_DELETE, body -> delete(store, body))))
        .mapEmpty();
  }

  /**
   * The log of an instance: the supervisor keeps it (stderr and its notes) under the name the
   * instance runs as there, {@code mcp:<server>[:<project>]}; the query is passed on as given.
   */
  private Future<JsonObject> logs(JsonObject body) {
    McpServerDefinition def = known(body.getString("name"));
    if (def.remote()) {
      throw ApiException.invalid(
          "name", def.name() + " is a remote server: it has no process, and no log here");
    }
    Object project = body.getValue("project");
    if (project != null
        && !(project instanceof String text
            && StreamableHttp.PROJECT_NAME.matcher(text).matches())) {
      throw ApiException.invalid("project", "must be 1 to 128 letters, digits, '.', '_' or '-'");
    }
    InstanceKey key = Host.key(def, (String) project);
    return Bus.request(
            vertx,
            Addresses.SUPERVISOR_PROCESSES_LOGS,
            body.copy().put("name", "mcp:" + key),
            Duration.ofSeconds(30))
        .recover(
            failure ->
                Future.failedFuture(
                    failure instanceof ApiException api && api.status() == 503
                        ? ApiException.unavailable(
                            "the supervisor keeps the logs of MCP server instances and it is not"
                                + " running (with mcp.processes: own, their stderr is in"
                                + " Switchboard's own log)")
                        : failure))
        .map(logs -> logs.put("server", def.name()).put("project", key.project()));
  }

  private McpServerDefinition known(String name) {
    return host.definition(name == null ? "" : name)
        .orElseThrow(() -> ApiException.notFound("no MCP server named " + name));
  }

  private Future<JsonObject> create(ServerStore store, JsonObject body) {
    McpServerDefinition def = McpServerDefinition.parse(body.getJsonObject("definition"));
    if (host.definition(def.name()).isPresent()) {
      throw new ApiException(
          ErrorType.CONFLICT, "an MCP server named " + def.name() + " exists", "name");
    }
    return store
        .insert(def)
        .map(
            inserted -> {
              if (!inserted) {
                throw new ApiException(
                    ErrorType.CONFLICT, "an MCP server named " + def.name() + " exists", "name");
              }
              host.put(def);
              return host.status(def);
            });
  }

  private Future<JsonObject> update(ServerStore store, JsonObject body) {
    McpServerDefinition existing = known(body.getString("name"));
    JsonObject given = body.getJsonObject("definition");
    if (given != null && given.getValue("name") == null) {
      given = given.copy().put("name", existing.name());
    }
    McpServerDefinition def = McpServerDefinition.parse(given);
    if (!def.name().equals(existing.name())) {
      throw ApiException.invalid(
          "name", "must be the name in the path (" + existing.name() + "), or left out");
    }
    return store
        .update(def)
        .map(
            v -> {
              host.put(def);
              return host.status(def);
            });
  }

  private Future<JsonObject> delete(ServerStore store, JsonObject body) {
    McpServerDefinition existing = known(body.getString("name"));
    return store
        .delete(existing.name())
        .map(
            v -> {
              host.remove(existing.name());
              return new JsonObject().put("name", existing.name()).put("state", "deleted");
            });
  }
}
