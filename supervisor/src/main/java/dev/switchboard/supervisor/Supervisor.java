package dev.switchboard.supervisor;

import dev.switchboard.common.Trees;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogLine;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogQuery;
import dev.switchboard.supervisor.logs.LogStore;
import dev.switchboard.supervisor.process.Containment;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The managed services: their definitions (checked against each other's dependencies), their
 * lifecycles ({@link ManagedService}) and what is asked of them. What happens once or on a timer
 * lives beside it: the start ({@link StartUp}: load, config file, adoption), the figures ({@link
 * StatsSampler}), and the order of a stop ({@link StopOrder}). Runs on the supervisor verticle's
 * event loop.
 */
final class Supervisor {

  /**
   * What the supervisor does with a service still running from before it started, and with its
   * services when it stops; and how it holds each service's processes together ({@code
   * containment}).
   */
  record Options(
      Path runDir,
      Path defaultCwd,
      Duration dependencyTimeout,
      Duration statsInterval,
      boolean adoptOrphans,
      boolean stopOnShutdown,
      Containment containment,
      int maxServices,
      int maxProcesses) {}

  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  private final Vertx vertx;
  private final Context context;
  private final ServiceStore store;
  private final LogStore logStore;
  private final LogPipeline logs;
  private final Options options;
  private final Clock clock;

  /** What every managed service shares, this supervisor's lookup and publishing among it. */
  private final ServiceContext serviceContext;

  private final StatsSampler sampler;
  private final HostedProcesses hosted;
  private final ServiceMetrics metrics;
  private final Map<String, ManagedService> services = new TreeMap<>();
  private final Set<String> undeclared = new HashSet<>();

  Supervisor(
      Vertx vertx,
      Context context,
      WorkerExecutor workers,
      ServiceStore store,
      LogStore logStore,
      LogPipeline logs,
      HealthProbe probe,
      Options options,
      Clock clock,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.context = context;
    this.store = store;
    this.logStore = logStore;
    this.logs = logs;
    this.options = options;
    this.clock = clock;
    this.metrics = new ServiceMetrics(registry);
    this.serviceContext =
        new ServiceContext(
            vertx,
            context,
            workers,
            store,
            new StoreFailures(registry),
            metrics,
            logs,
            probe,
            clock,
            options,
            services::get,
            this::published);
    this.hosted =
        new HostedProcesses(
            serviceContext, options.runDir().resolveSibling("hosted"), options.maxProcesses());
    this.sampler =
        new StatsSampler(
            serviceContext,
            () -> {
              List<StatsSampler.Measured> all = new ArrayList<>(services.values());
              hosted.measured().forEach(all::add);
              return all;
            });
  }

  // ---- what Deployments uses ----

  Context context() {
    return context;
  }

  Path defaultCwd() {
    return options.defaultCwd();
  }

  ManagedService service(String name) {
    return services.get(name);
  }

  /** The processes run for other services (mcp-host's MCP servers). */
  HostedProcesses hosted() {
    return hosted;
  }

  /**
   * Publishes a service on {@code services.status}, with {@code update} saying why: {@code state}
   * (a transition), {@code stats} (the periodic figures) or {@code definition}.
   */
  private void published(ManagedService service, String update) {
    if (!update.equals("stats")) {
      metrics.count(services.values());
    }
    vertx.eventBus().publish(Addresses.SERVICES_STATUS, json(service).put("update", update));
  }

  // ---- start-up ----

  /**
   * Loads the stored services, applies the {@code services:} section of the config file, finds the
   * processes a previous supervisor left running (adopting or ending them), then starts what is
   * wanted ({@link StartUp}); from then on the figures are measured every {@code statsInterval}.
   */
  Future<Void> load(List<ServiceDefinition> declared) {
    return new StartUp(this, serviceContext, services, undeclared)
        .run(declared)
        .onSuccess(
            v -> {
              metrics.count(services.values());
              sampler.start();
            });
  }

  // ---- definitions ----

  Future<JsonObject> create(ServiceDefinition def, String source) {
    Optional<String> taken = alike(def.name());
    if (taken.isPresent()) {
      String existing = taken.get();
      return Future.failedFuture(
          new ApiException(
              ErrorType.CONFLICT,
              existing.equals(def.name())
                  ? "a service named " + existing + " exists already"
                  : "the service " + existing + " exists already; names are unique ignoring case",
              "name"));
    }
    if (services.size() >= options.maxServices()) {
      // the service's name is a metric label (switchboard_supervisor_service_restarts_total): the
      // cap bounds its series
      return Future.failedFuture(
          new ApiException(
              ErrorType.CONFLICT,
              "at most "
                  + options.maxServices()
                  + " managed services may be defined (SUPERVISOR_SERVICES_MAX); delete one first,"
                  + " or raise the limit",
              (String) null));
    }
    checkDependencies(def);
    JsonObject stored = def.toJson();
    return store
        .insert(stored, source)
        .compose(
            createdAt -> {
              ManagedService service =
                  new ManagedService(serviceContext, def, source, createdAt, createdAt);
              services.put(def.name(), service);
              return service
                  .openLogs()
                  .map(
                      v -> {
                        service.publish("definition");
                        if (def.autostart()) {
                          service
                              .start()
                              .onFailure(failure -> LOG.warn("{}", failure.getMessage()));
                        }
                        return json(service);
                      });
            });
  }

  Future<JsonObject> update(String name, ServiceDefinition def, String source) {
    ManagedService service = existing(name);
    checkDependencies(def);
    return store
        .update(def.toJson(), source)
        .map(
            v -> {
              undeclared.remove(name);
              service.redefine(def, source, clock.instant());
              return json(service);
            });
  }

  Future<JsonObject> delete(String name) {
    ManagedService service = existing(name);
    List<String> dependents = graph().dependents(name);
    if (!dependents.isEmpty()) {
      return Future.failedFuture(
          new ApiException(
              ErrorType.CONFLICT,
              name
                  + " is needed by "
                  + String.join(", ", dependents)
                  + "; change or delete those first",
              (String) null));
    }
    return service
        .stop("deleted")
        .compose(v -> logs.close(service.sourceId()))
        .compose(v -> store.delete(name))
        .compose(v -> logStore.delete(service.sourceId()))
        .compose(v -> removeRunDirectory(name))
        .map(
            v -> {
              services.remove(name);
              undeclared.remove(name);
              metrics.deleted(name);
              metrics.count(services.values());
              vertx
                  .eventBus()
                  .publish(
                      Addresses.serviceLogs(name),
                      new JsonObject()
                          .put("serviceId", name)
                          .put("closed", true)
                          .put("reason", "deleted"));
              JsonObject gone = new JsonObject().put("name", name).put("state", "deleted");
              vertx
                  .eventBus()
                  .publish(Addresses.SERVICES_STATUS, gone.copy().put("update", "deleted"));
              return gone;
            });
  }

  /**
   * The FIFOs of a deleted service go with it; a failure to remove them is logged, the service is
   * gone all the same.
   */
  private Future<Void> removeRunDirectory(String name) {
    Path dir = options.runDir().resolve(name);
    return serviceContext
        .<Void>blocking(
            () -> {
              Trees.delete(dir);
              return null;
            })
        .recover(
            failure -> {
              LOG.warn(
                  "service {} is deleted but {} could not be removed: {}",
                  name,
                  dir,
                  failure.toString());
              return Future.succeededFuture();
            });
  }

  /** Every dependency must exist, and the graph must stay free of cycles. */
  private void checkDependencies(ServiceDefinition def) {
    DependencyGraph graph = graph().with(def);
    for (String undefined : graph.undefined(def.name())) {
      throw ApiException.invalid("dependsOn", "names " + undefined + ", which is not a service");
    }
    graph
        .cycleThrough(def.name())
        .ifPresent(
            cycle -> {
              throw ApiException.invalid(
                  "dependsOn", "would make a cycle: " + String.join(" -> ", cycle));
            });
  }

  private DependencyGraph graph() {
    return DependencyGraph.of(services.values().stream().map(ManagedService::definition).toList());
  }

  ManagedService existing(String name) {
    ManagedService service = services.get(name);
    if (service == null) {
      throw ApiException.notFound(
          "no service named "
              + name
              + alike(name)
                  .map(other -> " (names are exact: did you mean " + other + "?)")
                  .orElse(""));
    }
    return service;
  }

  /** The service whose name is {@code name} ignoring case, if there is one. */
  private Optional<String> alike(String name) {
    return services.keySet().stream()
        .filter(other -> ServiceDefinition.sameName(other, name))
        .findFirst();
  }

  // ---- control ----

  Future<JsonObject> start(String name) {
    ManagedService service = existing(name);
    return service.start().map(v -> json(service));
  }

  Future<JsonObject> stop(String name) {
    ManagedService service = existing(name);
    // what depends on it stops first, as a stop of everything would do
    return new StopOrder(graph(), services::get, true)
        .stop(service, "stopped by request")
        .map(v -> json(service));
  }

  Future<JsonObject> restart(String name) {
    ManagedService service = existing(name);
    return service.restart().map(v -> json(service));
  }

  /** Probes every running service now and answers the status. */
  Future<JsonObject> refresh() {
    List<Future<Void>> probes = services.values().stream().map(ManagedService::probeNow).toList();
    return Future.join(probes).otherwiseEmpty().map(v -> status());
  }

  JsonObject status() {
    JsonArray list = new JsonArray();
    services.values().forEach(s -> list.add(json(s)));
    hosted.list().forEach(list::add);
    return new JsonObject().put("services", list).put("timestamp", clock.instant().toString());
  }

  JsonObject get(String name) {
    return json(existing(name));
  }

  Future<JsonObject> events(String name, int limit) {
    // the transitions are written in the background: wait for those already made
    return existing(name)
        .recorded()
        .compose(v -> store.events(name, limit))
        .map(events -> new JsonObject().put("name", name).put("events", events));
  }

  Future<JsonObject> logs(String name, LogQuery query, boolean tail) {
    ManagedService service = existing(name);
    Future<List<LogLine>> lines =
        tail ? logs.tail(service.sourceId(), query.limit()) : logs.query(service.sourceId(), query);
    return lines.map(
        list -> {
          JsonArray array = new JsonArray();
          list.forEach(line -> array.add(line.toJson()));
          return new JsonObject().put("serviceId", name).put("lines", array);
        });
  }

  /**
   * Stops every service, each one after the services that depend on it (the reverse of the start
   * order), in parallel where the graph allows.
   */
  Future<Void> shutdown() {
    sampler.stop();
    // their owner talks to them through FIFOs it cannot reopen: they never outlive the supervisor
    Future<Void> hostedStopped = hosted.shutdown();
    if (!options.stopOnShutdown()) {
      services.values().forEach(ManagedService::release);
      return hostedStopped;
    }
    StopOrder order = new StopOrder(graph(), services::get, false);
    List<Future<Void>> all =
        services.values().stream()
            .map(service -> order.stop(service, "Switchboard is stopping"))
            .toList();
    return Future.join(hostedStopped, Future.join(all)).otherwiseEmpty().mapEmpty();
  }

  /** The services' meters leave the registry (the verticle stops). */
  void closeMetrics() {
    metrics.close();
  }

  private JsonObject json(ManagedService service) {
    JsonObject json = service.toJson();
    if (undeclared.contains(service.name())) {
      json.put("declared", false);
    }
    return json;
  }
}
