package dev.switchboard.supervisor;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.observability.Ping;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.supervisor.definition.DeclaredServices;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.deployment.Deployments;
import dev.switchboard.supervisor.logs.LogOptions;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogQuery;
import dev.switchboard.supervisor.logs.LogStore;
import dev.switchboard.supervisor.process.Containment;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor service: managed services and deployments over the event bus ({@code
 * supervisor.services.*}, {@code supervisor.deployments.*}), their status on {@code
 * services.status} and {@code deployments.status}, their output on {@code services.logs.<name>} and
 * {@code deployments.logs.<id>}. An event-loop verticle: what blocks runs on its own worker pool,
 * and process output is read on threads of its own.
 *
 * <p>Config slice ({@code supervisor} section): {@code orphans} (adopt|stop), {@code onShutdown}
 * (stop|leave), {@code cgroups} (auto|off), {@code statsInterval}, {@code dependencyTimeout},
 * {@code logs.maxLines}, {@code logs.maxBytes}, {@code logs.maxAge}, {@code logs.maxLineBytes},
 * {@code logs.bufferLines} (durations in milliseconds); {@code services} (the definitions of the
 * config file), {@code dataDir}, {@code database.url}, {@code database.poolSize}.
 */
public final class SupervisorVerticle extends VerticleBase {

  public static final String NAME = "supervisor";
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorVerticle.class);
  private static final Duration RETENTION_EVERY = Duration.ofMinutes(1);

  /** Managed services that may be defined (SUPERVISOR_SERVICES_MAX): the name is a metric label. */
  static final int DEFAULT_SERVICES_MAX = 200;

  private final Clock clock;
  private final MeterRegistry registry;
  private Pool pool;
  private WorkerExecutor workers;
  private LogStore logStore;
  private LogPipeline logs;
  private HealthProbe probe;
  private Supervisor supervisor;
  private Deployments deployments;
  private Containment containment;
  private long retentionTimer = -1;

  public SupervisorVerticle() {
    this(Clock.systemUTC());
  }

  public SupervisorVerticle(Clock clock) {
    this(clock, null);
  }

  /**
   * With the services' meters in {@code registry} (tests); null: the process registry ({@link
   * Telemetry#registry()}).
   */
  SupervisorVerticle(Clock clock, MeterRegistry registry) {
    this.clock = clock;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    JsonObject config = config();
    String orphans = config.getString("orphans", "adopt");
    String onShutdown = config.getString("onShutdown", "stop");
    String cgroups = config.getString("cgroups", "auto");
    if (!orphans.equals("adopt") && !orphans.equals("stop")) {
      return Future.failedFuture(
          "SUPERVISOR_ORPHANS (supervisor.orphans) must be adopt or stop, not '" + orphans + "'");
    }
    if (!onShutdown.equals("stop") && !onShutdown.equals("leave")) {
      return Future.failedFuture(
          "SUPERVISOR_ON_SHUTDOWN (supervisor.onShutdown) must be stop or leave, not '"
              + onShutdown
              + "'");
    }
    if (!cgroups.equals("auto") && !cgroups.equals("off")) {
      return Future.failedFuture(
          "SUPERVISOR_CGROUPS (supervisor.cgroups) must be auto or off, not '" + cgroups + "'");
    }
    List<ServiceDefinition> declared;
    try {
      declared = DeclaredServices.parse(config.getJsonArray("services", new JsonArray()));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e.getMessage());
    }
    JsonObject db = config.getJsonObject("database", new JsonObject());
    pool = Database.pool(vertx, db.getString("url"), db.getInteger("poolSize", 4), NAME);
    workers = vertx.createSharedWorkerExecutor("supervisor-workers", 16, 2, TimeUnit.MINUTES);
    logStore = new LogStore(pool);
    DatabaseStatus database = new DatabaseStatus(pool, clock);
    JsonObject logConfig = config.getJsonObject("logs", new JsonObject());
    LogOptions defaults = LogOptions.DEFAULT;
    logs =
        new LogPipeline(
            vertx,
            logStore,
            database,
            new LogOptions(
                logConfig.getInteger("bufferLines", defaults.capacity()),
                defaults.tailSize(),
                logConfig.getInteger("maxLineBytes", defaults.maxLineBytes()),
                defaults.liveLinesPerTick(),
                defaults.batchRows(),
                defaults.insertsInFlight(),
                defaults.tick()),
            clock);
    probe = new HealthProbe(vertx, workers);
    Path dataDir = Path.of(config.getString("dataDir", "./data")).toAbsolutePath();
    Path runDir = dataDir.resolve("run/services");
    long maxLines = logConfig.getInteger("maxLines", 100_000);
    long maxBytes = logConfig.getLong("maxBytes", 64L * 1024 * 1024);
    Duration maxAge = Duration.ofMillis(logConfig.getLong("maxAge", Duration.ofDays(7).toMillis()));
    return workers
        .executeBlocking(() -> Containment.detect(cgroups, runDir), false)
        .compose(
            found -> {
              containment = found;
              Supervisor.Options options =
                  new Supervisor.Options(
                      runDir,
                      Path.of("").toAbsolutePath(),
                      Duration.ofMillis(config.getLong("dependencyTimeout", 300_000L)),
                      Duration.ofMillis(config.getLong("statsInterval", 5_000L)),
                      orphans.equals("adopt"),
                      onShutdown.equals("stop"),
                      containment,
                      config.getInteger("servicesMax", DEFAULT_SERVICES_MAX),
                      config.getInteger("processesMax", HostedProcesses.DEFAULT_MAX));
              ServiceStore store = new ServiceStore(pool);
              supervisor =
                  new Supervisor(
                      vertx,
                      context,
                      workers,
                      store,
                      logStore,
                      logs,
                      probe,
                      options,
                      clock,
                      registry != null ? registry : Telemetry.registry());
              deployments =
                  new Deployments(
                      vertx,
                      context,
                      pool,
                      new SupervisorServiceControl(supervisor),
                      logs,
                      workers,
                      options.defaultCwd());
              logs.start();
              return Future.all(
                  serve(),
                  Ping.answer(
                      vertx,
                      NAME,
                      database::check,
                      new JsonObject().put("processes", containment.describe())));
            })
        .compose(v -> supervisor.load(declared))
        .compose(v -> deployments.load())
        .onSuccess(
            v ->
                retentionTimer =
                    vertx.setPeriodic(
                        RETENTION_EVERY.toMillis(), id -> retention(maxLines, maxBytes, maxAge)));
  }

  private Future<?> serve() {
    return Future.all(
        List.of(
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_SERVICES_STATUS,
                body -> Future.succeededFuture(supervisor.status())),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_SERVICES_GET,
                body -> Future.succeededFuture(get(body))),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_SERVICES_CREATE,
                body -> supervisor.create(ServiceDefinition.parse(body), "api")),
            Bus.serve(vertx, Addresses.SUPERVISOR_SERVICES_UPDATE, this::update),
            Bus.serve(
                vertx, Addresses.SUPERVISOR_SERVICES_DELETE, body -> supervisor.delete(name(body))),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_SERVICES_EVENTS,
                body -> supervisor.events(name(body), limit(body, 100, 1000))),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_SERVICES_LOGS,
                // a hosted process's name has a kind before a colon (mcp:everything): the hub's
                // /services reads its history here as a service's
                body ->
                    body.getValue("name") instanceof String named && named.contains(":")
                        ? supervisor
                            .hosted()
                            .logs(
                                body,
                                LogQuery.parse(body, clock),
                                Boolean.TRUE.equals(body.getValue("tail")))
                        : supervisor.logs(
                            name(body),
                            LogQuery.parse(body, clock),
                            Boolean.TRUE.equals(body.getValue("tail")))),
            Bus.serve(
                vertx, Addresses.SUPERVISOR_SERVICES_START, body -> supervisor.start(name(body))),
            Bus.serve(
                vertx, Addresses.SUPERVISOR_SERVICES_STOP, body -> supervisor.stop(name(body))),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_SERVICES_RESTART,
                body -> supervisor.restart(name(body))),
            Bus.serve(vertx, Addresses.SUPERVISOR_SERVICES_REFRESH, body -> supervisor.refresh()),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_PROCESSES_SPAWN,
                body -> supervisor.hosted().spawn(body)),
            Bus.serve(
                vertx, Addresses.SUPERVISOR_PROCESSES_STOP, body -> supervisor.hosted().stop(body)),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_PROCESSES_RELEASE,
                body -> supervisor.hosted().release(body)),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_PROCESSES_LOGS,
                body ->
                    supervisor
                        .hosted()
                        .logs(
                            body,
                            LogQuery.parse(body, clock),
                            Boolean.TRUE.equals(body.getValue("tail")))),
            Bus.serve(vertx, Addresses.SUPERVISOR_DEPLOYMENTS_CREATE, deployments::create),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_DEPLOYMENTS_LIST,
                body -> deployments.list(body, limit(body, 50, 500))),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_DEPLOYMENTS_GET,
                body -> deployments.get(Deployments.id(body))),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_DEPLOYMENTS_LOGS,
                body ->
                    deployments.logs(
                        Deployments.id(body),
                        LogQuery.parse(body, clock),
                        Boolean.TRUE.equals(body.getValue("tail")))),
            Bus.serve(
                vertx,
                Addresses.SUPERVISOR_DEPLOYMENTS_CANCEL,
                body -> deployments.cancel(Deployments.id(body)))));
  }

  /**
   * One service, its env values masked unless the request asks for them ({@link
   * Addresses#ENV_VALUES}), which the gateway does only for a role that may read secrets.
   */
  private JsonObject get(JsonObject body) {
    String name = name(body);
    JsonObject service = supervisor.get(name);
    return Boolean.TRUE.equals(body.getValue(Addresses.ENV_VALUES))
        ? ServiceJson.withEnvValues(service, supervisor.existing(name).definition())
        : service;
  }

  private Future<JsonObject> update(JsonObject body) {
    String name = name(body);
    Object definition = body.getValue("definition");
    if (!(definition instanceof JsonObject json)) {
      throw ApiException.invalid("body", "must be a service definition");
    }
    Object named = json.getValue("name");
    if (named != null && !name.equals(named)) {
      throw ApiException.invalid(
          "name",
          "must be the name in the path (" + name + "), or left out; a service is not renamed");
    }
    return supervisor.update(name, ServiceDefinition.parse(json.copy().put("name", name)), "api");
  }

  static String name(JsonObject body) {
    Object name = body.getValue("name");
    if (!(name instanceof String text) || !ServiceDefinition.NAME.matcher(text).matches()) {
      throw ApiException.invalid("name", "must be a service name: letters, digits and '-'");
    }
    return text;
  }

  static int limit(JsonObject body, int fallback, int max) {
    Object value = body.getValue("limit");
    if (value == null) {
      return fallback;
    }
    try {
      int n = value instanceof Number num ? num.intValue() : Integer.parseInt(value.toString());
      if (n < 1 || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.invalid("limit", "must be a whole number from 1 to " + max);
    }
  }

  private void retention(long maxLines, long maxBytes, Duration maxAge) {
    logs.trimAll(maxLines, maxBytes)
        .compose(v -> logStore.expire(clock.instant().minus(maxAge)))
        .onFailure(e -> LOG.warn("log retention failed: {}", e.getMessage()));
  }

  @Override
  public Future<?> stop() {
    if (retentionTimer >= 0) {
      vertx.cancelTimer(retentionTimer);
    }
    return deployments
        .shutdown()
        .compose(v -> supervisor.shutdown())
        .onComplete(done -> supervisor.closeMetrics())
        .compose(
            v ->
                workers.executeBlocking(
                    () -> {
                      containment.release();
                      return null;
                    },
                    false))
        .compose(v -> logs.stop())
        .eventually(() -> probe.close())
        .eventually(() -> workers.close())
        .eventually(() -> pool.close());
  }
}
