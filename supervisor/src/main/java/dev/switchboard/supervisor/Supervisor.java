package dev.switchboard.supervisor;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogLine;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogQuery;
import dev.switchboard.supervisor.logs.LogStore;
import dev.switchboard.supervisor.process.ProcTable;
import dev.switchboard.supervisor.process.RunDirectory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The managed services: their definitions, their lifecycles ({@link ManagedService}), the order
 * in which they start and stop, adoption after a restart, and the per-process figures. Runs on the
 * supervisor verticle's event loop.
 */
final class Supervisor {

  /** What the supervisor does with a service still running from before it started, and with its services when it stops. */
  record Options(Path runDir, Path defaultCwd, Duration dependencyTimeout, Duration statsInterval, boolean adoptOrphans,
                 boolean stopOnShutdown) {
  }

  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  private final Vertx vertx;
  private final Context context;
  private final WorkerExecutor workers;
  private final ServiceStore store;
  private final LogStore logStore;
  private final LogPipeline logs;
  private final Options options;
  private final Clock clock;
  /** What every managed service shares, this supervisor's lookup and publishing among it. */
  private final ServiceContext serviceContext;
  private final Orphans orphans;
  private final Map<String, ManagedService> services = new TreeMap<>();
  private final Set<String> undeclared = new HashSet<>();
  private long statsTimer = -1;

  Supervisor(Vertx vertx, Context context, WorkerExecutor workers, ServiceStore store, LogStore logStore, LogPipeline logs,
             HealthProbe probe, Options options, Clock clock) {
    this.vertx = vertx;
    this.context = context;
    this.workers = workers;
    this.store = store;
    this.logStore = logStore;
    this.logs = logs;
    this.options = options;
    this.clock = clock;
    this.serviceContext = new ServiceContext(vertx, context, workers, store, new StoreFailures(Telemetry.registry()), logs, probe,
      clock, options, services::get, this::published);
    this.orphans = new Orphans(options, clock);
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

  /**
   * Publishes a service on {@code services.status}, with {@code update} saying why: {@code state}
   * (a transition), {@code stats} (the periodic figures) or {@code definition}.
   */
  private void published(ManagedService service, String update) {
    vertx.eventBus().publish(Addresses.SERVICES_STATUS, json(service).put("update", update));
  }

  // ---- start-up ----

  /**
   * Loads the stored services, applies the {@code services:} section of the config file, finds the
   * processes a previous supervisor left running (adopting or ending them), then starts what is
   * wanted: services that were running, and those marked {@code autostart}.
   */
  Future<Void> load(List<ServiceDefinition> declared) {
    return store.all().compose(stored -> {
      List<Future<Void>> opened = new ArrayList<>();
      for (ServiceStore.Stored row : stored) {
        ServiceDefinition def;
        try {
          def = ServiceDefinition.parse(row.definition());
        } catch (ApiException e) {
          LOG.warn("stored service {} no longer reads as a definition ({}: {}); skipped", row.definition().getString("name"),
            e.field(), e.getMessage());
          continue;
        }
        ManagedService service = new ManagedService(serviceContext, def, row.source(), row.createdAt(), row.updatedAt());
        services.put(def.name(), service);
        opened.add(service.openLogs());
      }
      return Future.all(opened).compose(v -> applyDeclared(declared)).compose(v -> recover(stored));
    }).onSuccess(v -> statsTimer = vertx.setPeriodic(options.statsInterval().toMillis(), id -> sampleStats()));
  }

  private Future<Void> applyDeclared(List<ServiceDefinition> declared) {
    Set<String> names = new HashSet<>();
    Future<Void> chain = Future.succeededFuture();
    for (ServiceDefinition def : declared) {
      names.add(def.name());
      ManagedService known = services.get(def.name());
      if (known == null) {
        chain = chain.compose(v -> create(def, "file").mapEmpty());
      } else if (!known.definition().equals(def) || !"file".equals(known.source())) {
        chain = chain.compose(v -> update(def.name(), def, "file").mapEmpty());
      }
    }
    return chain.onSuccess(applied -> services.values().stream()
      .filter(service -> "file".equals(service.source()) && !names.contains(service.name()))
      .forEach(service -> {
        undeclared.add(service.name());
        LOG.warn("service {} is no longer in the services: section of the config file; it is kept (and left running "
          + "if it runs): DELETE /api/v1/services/{} removes it", service.name(), service.name());
      }));
  }

  private Future<Void> recover(List<ServiceStore.Stored> stored) {
    List<Future<Void>> found = new ArrayList<>();
    for (ServiceStore.Stored row : stored) {
      ManagedService service = services.get(row.definition().getString("name"));
      if (service == null || row.pid() == null) {
        continue;
      }
      found.add(workers.executeBlocking(() -> orphans.recover(row), false).<Void>map(adoptable -> {
        adoptable.ifPresentOrElse(adopted -> service.adopt(adopted.process(), adopted.pipes()), service::forgetProcess);
        return null;
      }).recover(failure -> {
        // the service starts afresh (if it is wanted); what it left behind may still run
        LOG.warn("service {}: recovering pid {}, left by a previous supervisor, failed: {}", service.name(), row.pid(),
          failure.toString());
        return Future.succeededFuture();
      }));
    }
    return Future.all(found).compose(recovered -> {
      for (ServiceStore.Stored row : stored) {
        ManagedService service = services.get(row.definition().getString("name"));
        if (service != null && !service.state().active() && ("running".equals(row.desired()) || service.definition().autostart())) {
          service.start().onFailure(failure -> LOG.warn("{}", failure.getMessage()));
        }
      }
      for (ManagedService service : services.values()) {
        if (service.definition().autostart() && !service.state().active() && !service.wanted()) {
          service.start().onFailure(failure -> LOG.warn("{}", failure.getMessage()));
        }
      }
      return Future.succeededFuture();
    });
  }

  // ---- definitions ----

  Future<JsonObject> create(ServiceDefinition def, String source) {
    if (services.containsKey(def.name())) {
      return Future.failedFuture(new ApiException(ErrorType.CONFLICT, "a service named " + def.name() + " exists already", "name"));
    }
    checkDependencies(def);
    JsonObject stored = def.toJson();
    return store.insert(stored, source).compose(createdAt -> {
      ManagedService service = new ManagedService(serviceContext, def, source, createdAt, createdAt);
      services.put(def.name(), service);
      return service.openLogs().map(v -> {
        service.publish("definition");
        if (def.autostart()) {
          service.start().onFailure(failure -> LOG.warn("{}", failure.getMessage()));
        }
        return json(service);
      });
    });
  }

  Future<JsonObject> update(String name, ServiceDefinition def, String source) {
    ManagedService service = existing(name);
    checkDependencies(def);
    return store.update(def.toJson(), source).map(v -> {
      undeclared.remove(name);
      service.redefine(def, source, clock.instant());
      return json(service);
    });
  }

  Future<JsonObject> delete(String name) {
    ManagedService service = existing(name);
    List<String> dependents = graph().dependents(name);
    if (!dependents.isEmpty()) {
      return Future.failedFuture(new ApiException(ErrorType.CONFLICT,
        name + " is needed by " + String.join(", ", dependents) + "; change or delete those first", (String) null));
    }
    return service.stop("deleted")
      .compose(v -> logs.close(service.sourceId()))
      .compose(v -> store.delete(name))
      .compose(v -> logStore.delete(service.sourceId()))
      .compose(v -> removeRunDirectory(name))
      .map(v -> {
        services.remove(name);
        undeclared.remove(name);
        vertx.eventBus().publish(Addresses.serviceLogs(name), new JsonObject().put("serviceId", name).put("closed", true)
          .put("reason", "deleted"));
        JsonObject gone = new JsonObject().put("name", name).put("state", "deleted");
        vertx.eventBus().publish(Addresses.SERVICES_STATUS, gone.copy().put("update", "deleted"));
        return gone;
      });
  }

  /** The FIFOs of a deleted service go with it; a failure to remove them is logged, the service is gone all the same. */
  private Future<Void> removeRunDirectory(String name) {
    Path dir = options.runDir().resolve(name);
    return workers.<Void>executeBlocking(() -> {
      RunDirectory.remove(dir);
      return null;
    }, false).recover(failure -> {
      LOG.warn("service {} is deleted but {} could not be removed: {}", name, dir, failure.toString());
      return Future.succeededFuture();
    });
  }

  /** Every dependency must exist, and the graph must stay free of cycles. */
  private void checkDependencies(ServiceDefinition def) {
    DependencyGraph graph = graph().with(def);
    for (String undefined : graph.undefined(def.name())) {
      throw ApiException.invalid("dependsOn", "names " + undefined + ", which is not a service");
    }
    graph.cycleThrough(def.name()).ifPresent(cycle -> {
      throw ApiException.invalid("dependsOn", "would make a cycle: " + String.join(" -> ", cycle));
    });
  }

  private DependencyGraph graph() {
    return DependencyGraph.of(services.values().stream().map(ManagedService::definition).toList());
  }

  ManagedService existing(String name) {
    ManagedService service = services.get(name);
    if (service == null) {
      throw ApiException.notFound("no service named " + name);
    }
    return service;
  }

  // ---- control ----

  Future<JsonObject> start(String name) {
    ManagedService service = existing(name);
    return service.start().map(v -> json(service));
  }

  Future<JsonObject> stop(String name) {
    ManagedService service = existing(name);
    // what depends on it stops first, as a stop of everything would do
    return stopWithDependents(service, new HashMap<>(), "stopped by request", true).map(v -> json(service));
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
    return new JsonObject().put("services", list).put("timestamp", clock.instant().toString());
  }

  JsonObject get(String name) {
    return json(existing(name));
  }

  Future<JsonObject> events(String name, int limit) {
    // the transitions are written in the background: wait for those already made
    return existing(name).recorded().compose(v -> store.events(name, limit)).map(events -> new JsonObject().put("name", name).put("events", events));
  }

  Future<JsonObject> logs(String name, LogQuery query, boolean tail) {
    ManagedService service = existing(name);
    Future<List<LogLine>> lines = tail ? logs.tail(service.sourceId(), query.limit()) : logs.query(service.sourceId(), query);
    return lines.map(list -> {
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
    if (statsTimer >= 0) {
      vertx.cancelTimer(statsTimer);
    }
    if (!options.stopOnShutdown()) {
      services.values().forEach(ManagedService::release);
      return Future.succeededFuture();
    }
    Map<String, Future<Void>> stopping = new HashMap<>();
    List<Future<Void>> all = new ArrayList<>();
    for (ManagedService service : services.values()) {
      all.add(stopWithDependents(service, stopping, "Switchboard is stopping", false));
    }
    return Future.join(all).otherwiseEmpty().mapEmpty();
  }

  private Future<Void> stopWithDependents(ManagedService service, Map<String, Future<Void>> stopping, String why,
                                          boolean remember) {
    Future<Void> known = stopping.get(service.name());
    if (known != null) {
      return known;
    }
    List<Future<Void>> first = new ArrayList<>();
    for (String dependent : graph().dependents(service.name())) {
      ManagedService other = services.get(dependent);
      if (other.state().active() || other.state() == ServiceState.BACKOFF) {
        first.add(stopWithDependents(other, stopping, why + " (" + service.name() + " stops)", remember));
      }
    }
    Future<Void> stopped = Future.join(first).otherwiseEmpty().compose(dependentsStopped -> service.stop(why, remember));
    stopping.put(service.name(), stopped);
    return stopped;
  }

  // ---- stats ----

  private void sampleStats() {
    if (services.values().stream().noneMatch(service -> service.state().active())) {
      return;
    }
    workers.executeBlocking(() -> ProcTable.read().byGroup(), false).onSuccess(groups -> {
      long now = System.nanoTime();
      for (ManagedService service : services.values()) {
        if (service.state().active() && service.state() != ServiceState.STOPPING) {
          if (service.sample(groups, now)) {
            service.enforceMemoryLimit();
          }
          service.publish("stats");
        }
      }
    });
  }

  private JsonObject json(ManagedService service) {
    JsonObject json = service.toJson();
    if (undeclared.contains(service.name())) {
      json.put("declared", false);
    }
    return json;
  }
}
