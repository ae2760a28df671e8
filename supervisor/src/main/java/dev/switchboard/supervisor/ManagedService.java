package dev.switchboard.supervisor;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.HealthCheck;
import dev.switchboard.supervisor.definition.RestartPolicy;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogLine;
import dev.switchboard.supervisor.logs.LogReader;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.Fifos;
import dev.switchboard.supervisor.process.Launch;
import dev.switchboard.supervisor.process.LaunchFailure;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.Ports;
import dev.switchboard.supervisor.process.ProcessUsage;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One managed service and its state machine. Everything here runs on the supervisor's event loop;
 * what blocks (fork, /proc, waiting for a process group to empty) goes to the supervisor's workers
 * and comes back. Each launch gets a new {@code generation}: callbacks of a launch that a stop or a
 * newer launch superseded find a different generation and do nothing.
 */
final class ManagedService {

  private static final Logger LOG = LoggerFactory.getLogger(ManagedService.class);
  private static final Duration PROBE_WHILE_STARTING = Duration.ofSeconds(1);

  private final Supervisor sup;
  private final String name;
  private ServiceDefinition def;
  private String source;
  private Instant createdAt;
  private Instant updatedAt;
  private LogSource logs;

  private ServiceState state = ServiceState.STOPPED;
  private String reason;
  private Instant since;
  private boolean wanted;
  private long generation;

  private ServiceProcess proc;
  private ServiceDefinition runningDef;
  private OutputPipes pipes;
  private LogReader out;
  private LogReader err;
  private Future<Void> stopping;
  private Future<Void> spawning;

  private int attempt;
  private int restarts;
  private Integer lastExit;
  private final Deque<Instant> failures = new ArrayDeque<>();
  private long backoffTimer = -1;
  private long healthTimer = -1;
  private long stableTimer = -1;

  private int healthFailures;
  private boolean everHealthy;
  private String healthMessage;
  private Instant lastCheck;
  private JsonObject stats;
  private long lastCpuMicros = -1;
  private long lastSampleNanos;

  private final List<Waiter> waiters = new ArrayList<>();
  private Future<Void> events = Future.succeededFuture();

  private record Waiter(Dependency.Condition condition, Promise<Void> promise, long timer) {
  }

  ManagedService(Supervisor sup, ServiceDefinition def, String source, Instant createdAt, Instant updatedAt) {
    this.sup = sup;
    this.name = def.name();
    this.def = def;
    this.source = source;
    this.createdAt = createdAt;
    this.updatedAt = updatedAt;
    this.since = sup.clock().instant();
  }

  String name() {
    return name;
  }

  ServiceDefinition definition() {
    return def;
  }

  String source() {
    return source;
  }

  ServiceState state() {
    return state;
  }

  boolean wanted() {
    return wanted;
  }

  String sourceId() {
    return "service:" + name;
  }

  Future<Void> openLogs() {
    return sup.logs().open(sourceId(), dev.switchboard.common.bus.Addresses.serviceLogs(name), "serviceId", name)
      .onSuccess(s -> logs = s).mapEmpty();
  }

  void redefine(ServiceDefinition next, String nextSource, Instant at) {
    def = next;
    source = nextSource;
    updatedAt = at;
    publish("definition");
  }

  // ---- commands ----

  /**
   * Starts the service (and what it depends on). Completes once the process is spawned, or at once
   * when it waits for dependencies; fails with the reason when it cannot start.
   */
  Future<Void> start() {
    wanted = true;
    sup.store().desired(name, "running");
    if (state == ServiceState.STARTING || state == ServiceState.RUNNING || state == ServiceState.UNHEALTHY) {
      return Future.succeededFuture();
    }
    if (state == ServiceState.STOPPING && stopping != null) {
      return stopping.compose(v -> start());
    }
    cancel(backoffTimer);
    backoffTimer = -1;
    attempt = 0;
    failures.clear();
    return launch(++generation);
  }

  /** Stops the whole process tree; completes when the group is empty. */
  Future<Void> stop(String why) {
    return stop(why, true);
  }

  /**
   * Stops; with {@code remember} false (Switchboard itself stopping) the service stays wanted in
   * the database, so that the next start brings it back.
   */
  Future<Void> stop(String why, boolean remember) {
    wanted = false;
    if (remember) {
      sup.store().desired(name, "stopped");
    }
    generation++;
    cancelTimers();
    failWaiters("stopped");
    if (stopping != null) {
      return stopping;
    }
    if (proc == null && spawning != null) {
      // a process is being forked: it is ended as soon as it exists, and only then is this stopped
      return spawning.otherwiseEmpty().compose(v -> stop(why, remember));
    }
    if (proc == null) {
      if (state != ServiceState.STOPPED) {
        setState(ServiceState.STOPPED, why, null);
      }
      return Future.succeededFuture();
    }
    return terminate(why);
  }

  Future<Void> restart() {
    return stop("restarting").compose(v -> {
      restarts++;
      return start();
    });
  }

  // ---- launching ----

  private Future<Void> launch(long gen) {
    List<Dependency> deps = def.dependsOn();
    healthFailures = 0;
    everHealthy = false;
    healthMessage = null;
    if (deps.isEmpty()) {
      setState(ServiceState.STARTING, "starting", null);
      return spawn(gen);
    }
    setState(ServiceState.STARTING, "waiting for " + describe(deps), null);
    List<Future<Void>> ready = new ArrayList<>();
    for (Dependency dep : deps) {
      ManagedService other = sup.service(dep.name());
      if (other == null) {
        ready.add(Future.failedFuture("dependency " + dep.name() + " is not defined"));
        continue;
      }
      if (!other.wanted() || other.state() == ServiceState.FAILED || other.state() == ServiceState.ERRORED
        || other.state() == ServiceState.STOPPED) {
        other.start().onFailure(e -> { });
      }
      ready.add(other.await(dep.condition(), sup.dependencyTimeout())
        .recover(e -> Future.failedFuture("dependency " + dep.name() + " did not become " + dep.condition().wire() + ": " + e.getMessage())));
    }
    Future.all(ready).onComplete(result -> {
      if (gen != generation) {
        return;
      }
      if (result.failed()) {
        setState(ServiceState.FAILED, result.cause().getMessage(), null);
      } else {
        spawn(gen).onFailure(e -> { });
      }
    });
    return Future.succeededFuture();
  }

  private static String describe(List<Dependency> deps) {
    return String.join(", ", deps.stream().map(d -> d.name() + " (" + d.condition().wire() + ")").toList());
  }

  private Future<Void> spawn(long gen) {
    ServiceDefinition launching = def;
    String instance = UUID.randomUUID().toString();
    Launch launch = launch(launching, instance);
    Path runDir = sup.runDir().resolve(name);
    record Started(ServiceProcess process, OutputPipes pipes) {
    }
    Future<Started> spawned = readersClosed().compose(v -> sup.workers().executeBlocking(() -> {
      if (launching.port() != null) {
        var owner = Ports.inUse(launching.port());
        if (owner.isPresent()) {
          throw new LaunchFailure(owner.get().describe());
        }
      }
      OutputPipes output = OutputPipes.open(runDir);
      try {
        return new Started(sup.containment().spawn(launch, name, launching.maxMemory(), output, instance), output);
      } catch (LaunchFailure e) {
        output.close();
        throw e;
      }
    }, false));
    Future<Void> outcome = spawned.compose(started -> {
      if (gen != generation) {
        // stopped while it was being spawned
        started.pipes().close();
        return end(started.process(), launching, "stopped before it was up");
      }
      attach(started.process(), launching, started.pipes(), gen);
      logs.note("[switchboard] started pid " + started.process().pid() + ": " + String.join(" ", launching.argv()));
      return Future.<Void>succeededFuture();
    }, err -> {
      String why = err instanceof LaunchFailure ? err.getMessage() : "cannot start: " + err.getMessage();
      if (gen == generation) {
        logs.note("[switchboard] " + why);
        setState(ServiceState.FAILED, why, null);
      }
      return Future.failedFuture(new ApiException(ErrorType.CONFLICT, "cannot start " + name + ": " + why, (String) null));
    });
    spawning = outcome;
    return outcome.onComplete(r -> {
      if (spawning == outcome) {
        spawning = null;
      }
    });
  }

  /** The argv, directory and environment of a start; {@code instance} marks every process of it. */
  Launch launch(ServiceDefinition d, String instance) {
    return Launch.of(d.argv(), d.cwd(), d.env(),
      Map.of(ServiceProcess.SERVICE_VAR, name, ServiceProcess.INSTANCE_VAR, instance), sup.defaultCwd());
  }

  /** Wires a process up: readers, exit handler, health probes, the stable-run timer, the record in the database. */
  private void attach(ServiceProcess p, ServiceDefinition launched, OutputPipes output, long gen) {
    proc = p;
    runningDef = launched;
    pipes = output;
    lastCpuMicros = -1;
    int maxLine = sup.logs().options().maxLineBytes();
    out = new LogReader("log-" + name + "-out", () -> Fifos.openForReading(output.stdout()), logs, LogLine.STDOUT, maxLine).start();
    err = new LogReader("log-" + name + "-err", () -> Fifos.openForReading(output.stderr()), logs, LogLine.STDERR, maxLine).start();
    sup.store().process(name, p.pid(), p.startTicks(), p.instance(), p.startedAt());
    p.onExit().whenComplete((code, e) -> sup.context().runOnContext(v -> exited(gen, code)));
    if (launched.health().kind() == HealthCheck.Kind.NONE) {
      setState(ServiceState.RUNNING, "running", null);
    } else {
      setState(ServiceState.STARTING, "waiting for the first successful health check", null);
      scheduleProbe(gen, Duration.ofMillis(Math.min(launched.health().interval().toMillis(), PROBE_WHILE_STARTING.toMillis())));
    }
    stableTimer = sup.vertx().setTimer(Math.max(1, launched.restart().resetAfter().toMillis()), id -> {
      stableTimer = -1;
      if (gen == generation) {
        attempt = 0;
        failures.clear();
      }
    });
  }

  /** Adopts a process a previous supervisor started (its FIFOs opened by the caller); it goes on as if we had started it. */
  void adopt(ServiceProcess p, OutputPipes output) {
    wanted = true;
    long gen = ++generation;
    logs.note("[switchboard] adopted pid " + p.pid() + " after a supervisor restart");
    attach(p, def, output, gen);
  }

  // ---- exits and restarts ----

  private void exited(long gen, Integer code) {
    if (gen != generation) {
      return;
    }
    ServiceProcess ended = proc;
    cancelTimers();
    lastExit = code;
    String how = code == null ? "ended (exit code unknown: adopted process)" : describeExit(code);
    logs.note("[switchboard] process " + ended.pid() + " " + how);
    // what the main process left behind in its group goes too, before anything restarts
    Future<Void> cleaned = sup.workers().executeBlocking(() -> {
      ended.terminate(def.stopSignal(), def.stopTimeout());
      return null;
    }, false);
    cleaned.onComplete(r -> {
      if (gen != generation) {
        return;
      }
      detach();
      afterExit(gen, code, how);
    });
  }

  private void afterExit(long gen, Integer code, String how) {
    boolean failed = code == null || code != 0;
    RestartPolicy policy = def.restart();
    if (!wanted || !policy.restarts(code, failed)) {
      wanted = false;
      sup.store().desired(name, "stopped");
      setState(failed ? ServiceState.FAILED : ServiceState.STOPPED, "process " + how, code);
      return;
    }
    Instant now = sup.clock().instant();
    failures.addLast(now);
    while (!failures.isEmpty() && failures.peekFirst().isBefore(now.minus(policy.window()))) {
      failures.removeFirst();
    }
    if (failures.size() >= policy.limit()) {
      wanted = false;
      sup.store().desired(name, "stopped");
      setState(ServiceState.ERRORED, "gave up after " + failures.size() + " exits within "
        + dev.switchboard.common.config.Durations.format(policy.window()) + "; last: process " + how, code);
      logs.note("[switchboard] gave up restarting; start it again when it is fixed");
      return;
    }
    attempt++;
    Duration delay = policy.delay(attempt);
    setState(ServiceState.BACKOFF, "process " + how + "; restart " + attempt + " in "
      + dev.switchboard.common.config.Durations.format(delay), code);
    backoffTimer = sup.vertx().setTimer(Math.max(1, delay.toMillis()), id -> {
      backoffTimer = -1;
      if (gen == generation && wanted) {
        restarts++;
        launch(++generation).onFailure(e -> { });
      }
    });
  }

  private static String describeExit(int code) {
    if (code > 128 && code < 128 + 65) {
      return "was killed by signal " + (code - 128) + " (exit code " + code + ")";
    }
    if (code == 127) {
      return "exited with code 127 (command not found)";
    }
    return "exited with code " + code;
  }

  /** Stop: the whole group, with the grace period, then the exit and the readers. */
  private Future<Void> terminate(String why) {
    ServiceProcess p = proc;
    ServiceDefinition d = runningDef != null ? runningDef : def;
    setState(ServiceState.STOPPING, why, null);
    logs.note("[switchboard] stopping pid " + p.pid() + " (" + why + ")");
    Promise<Void> done = Promise.promise();
    stopping = done.future();
    sup.workers().executeBlocking(() -> p.terminate(d.stopSignal(), d.stopTimeout()), false)
      .compose(outcome -> waitFor(p.onExit(), Duration.ofSeconds(2)).map(outcome))
      .onComplete(result -> {
        String outcome = result.succeeded() ? result.result() : "error: " + result.cause().getMessage();
        detach();
        stopping = null;
        String text = switch (outcome) {
          case "signal" -> why;
          case "killed" -> why + " (killed after " + dev.switchboard.common.config.Durations.format(d.stopTimeout()) + ")";
          default -> why + " (" + outcome + ")";
        };
        logs.note("[switchboard] stopped: " + text);
        setState(ServiceState.STOPPED, text, lastExit);
        done.complete();
      });
    return stopping;
  }

  /** Used when a process turned out not to be wanted any more: ends it without touching the state. */
  private Future<Void> end(ServiceProcess p, ServiceDefinition d, String why) {
    return sup.workers().executeBlocking(() -> p.terminate(d.stopSignal(), d.stopTimeout()), false)
      .onComplete(r -> LOG.debug("{}: pid {} ended: {}", name, p.pid(), why))
      .mapEmpty();
  }

  private Future<Void> waitFor(CompletableFuture<?> future, Duration timeout) {
    return Future.fromCompletionStage(future.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS), sup.context())
      .<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  private void detach() {
    if (pipes != null) {
      pipes.close();
      pipes = null;
    }
    proc = null;
    runningDef = null;
    stats = null;
    sup.store().process(name, null, null, null, null);
  }

  /**
   * The readers of the last process are done once the process and the keepers closed the FIFOs;
   * a reader still held by a straggler after a second is closed.
   */
  Future<Void> readersClosed() {
    List<Future<Void>> done = new ArrayList<>();
    for (LogReader reader : new LogReader[] {out, err}) {
      if (reader != null) {
        done.add(waitFor(reader.done(), Duration.ofSeconds(1)).onComplete(r -> reader.close()));
      }
    }
    out = null;
    err = null;
    return Future.all(done).mapEmpty();
  }

  /** Supervisor shutdown with services left running: stop reading, the process goes on. */
  void release() {
    generation++;
    cancelTimers();
    for (LogReader reader : new LogReader[] {out, err}) {
      if (reader != null) {
        reader.close();
      }
    }
    if (pipes != null) {
      pipes.close();
      pipes = null;
    }
    out = null;
    err = null;
  }

  // ---- health ----

  private void scheduleProbe(long gen, Duration delay) {
    healthTimer = sup.vertx().setTimer(Math.max(1, delay.toMillis()), id -> {
      healthTimer = -1;
      if (gen == generation && proc != null) {
        probe(gen);
      }
    });
  }

  /** Probes now (refresh); the regular schedule goes on. */
  Future<Void> probeNow() {
    if (proc == null || def.health().kind() == HealthCheck.Kind.NONE) {
      return Future.succeededFuture();
    }
    long gen = generation;
    return sup.probe().check((runningDef != null ? runningDef : def).health(), launch(def, proc.instance()))
      .onComplete(r -> {
        if (gen == generation && proc != null) {
          health(r.succeeded(), r.succeeded() ? null : r.cause().getMessage());
        }
      }).otherwiseEmpty();
  }

  private void probe(long gen) {
    HealthCheck check = (runningDef != null ? runningDef : def).health();
    sup.probe().check(check, launch(def, proc.instance())).onComplete(r -> {
      if (gen != generation || proc == null) {
        return;
      }
      health(r.succeeded(), r.succeeded() ? null : r.cause().getMessage());
      Duration next = state == ServiceState.STARTING
        ? Duration.ofMillis(Math.min(check.interval().toMillis(), PROBE_WHILE_STARTING.toMillis()))
        : check.interval();
      scheduleProbe(gen, next);
    });
  }

  private void health(boolean ok, String message) {
    lastCheck = sup.clock().instant();
    HealthCheck check = (runningDef != null ? runningDef : def).health();
    if (ok) {
      healthFailures = 0;
      everHealthy = true;
      healthMessage = null;
      if (state == ServiceState.STARTING || state == ServiceState.UNHEALTHY) {
        setState(ServiceState.RUNNING, "healthy", null);
      }
      return;
    }
    healthMessage = message;
    boolean inStartPeriod = !everHealthy && proc != null
      && sup.clock().instant().isBefore(proc.startedAt().plus(check.startPeriod()));
    if (inStartPeriod) {
      publish("health");
      return;
    }
    healthFailures++;
    if (healthFailures >= check.retries() && state != ServiceState.UNHEALTHY
      && (state == ServiceState.RUNNING || state == ServiceState.STARTING)) {
      setState(ServiceState.UNHEALTHY, message, null);
    } else {
      publish("health");
    }
  }

  // ---- dependencies ----

  /** Completes when this service meets {@code condition}; fails when it fails, stops, or the time is up. */
  Future<Void> await(Dependency.Condition condition, Duration timeout) {
    if (meets(condition)) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    long timer = sup.vertx().setTimer(Math.max(1, timeout.toMillis()), id ->
      promise.tryFail("not " + condition.wire() + " after " + dev.switchboard.common.config.Durations.format(timeout)));
    Waiter waiter = new Waiter(condition, promise, timer);
    waiters.add(waiter);
    return promise.future().onComplete(r -> {
      waiters.remove(waiter);
      sup.vertx().cancelTimer(timer);
    });
  }

  private boolean meets(Dependency.Condition condition) {
    return switch (condition) {
      case STARTED -> proc != null && (state == ServiceState.STARTING || state == ServiceState.RUNNING || state == ServiceState.UNHEALTHY);
      case HEALTHY -> state == ServiceState.RUNNING;
    };
  }

  private void checkWaiters() {
    for (Waiter waiter : List.copyOf(waiters)) {
      if (meets(waiter.condition())) {
        waiter.promise().tryComplete();
      } else if (state == ServiceState.FAILED || state == ServiceState.ERRORED
        || (state == ServiceState.STOPPED && !wanted)) {
        waiter.promise().tryFail(state.wire() + (reason == null ? "" : ": " + reason));
      }
    }
  }

  private void failWaiters(String why) {
    for (Waiter waiter : List.copyOf(waiters)) {
      waiter.promise().tryFail(why);
    }
  }

  // ---- stats ----

  /** The running process, if any. */
  Optional<ServiceProcess> process() {
    return Optional.ofNullable(proc);
  }

  /** Takes the figures of {@code measured} (its cgroup's or its process group's), if it is still this service's process. */
  void sample(ServiceProcess measured, ProcessUsage usage, long nanos) {
    if (proc == null) {
      stats = null;
      return;
    }
    if (proc != measured || usage.processes() == 0) {
      // measured before this process existed (or after it ended): nothing to say yet
      return;
    }
    long cpu = usage.cpuMicros();
    long rss = usage.rssBytes();
    Double cpuPercent = null;
    if (lastCpuMicros >= 0 && nanos > lastSampleNanos) {
      double seconds = (nanos - lastSampleNanos) / 1e9;
      cpuPercent = Math.max(0, (cpu - lastCpuMicros) / 1e6 / seconds * 100.0);
    }
    lastCpuMicros = cpu;
    lastSampleNanos = nanos;
    stats = new JsonObject()
      .put("cpuPercent", cpuPercent == null ? null : Math.round(cpuPercent * 10) / 10.0)
      .put("rssBytes", rss)
      .put("threads", usage.threads())
      .put("processes", usage.processes())
      .put("uptimeSeconds", Duration.between(proc.startedAt(), sup.clock().instant()).toSeconds())
      .put("restarts", restarts);
    usage.memoryBytes().ifPresent(bytes -> stats.put("memoryBytes", bytes));
    Long limit = (runningDef != null ? runningDef : def).maxMemory();
    if (limit != null && !proc.memoryLimited() && rss > limit && state != ServiceState.STOPPING) {
      logs.note("[switchboard] memory " + rss + " bytes is over maxMemory " + limit + ": restarting");
      restart().onFailure(e -> LOG.warn("{}: restart over maxMemory failed: {}", name, e.getMessage()));
    }
  }

  JsonObject stats() {
    return stats;
  }

  // ---- state ----

  private void setState(ServiceState next, String why, Integer exit) {
    state = next;
    reason = why;
    since = sup.clock().instant();
    Integer pid = proc == null ? null : proc.pid();
    // one insert after the other, so that the events' ids keep the order of the transitions
    events = events.compose(v -> sup.store().event(name, next, why, pid, exit))
      .recover(e -> {
        LOG.warn("{}: recording the {} event failed: {}", name, next.wire(), e.getMessage());
        return Future.succeededFuture();
      });
    if (next == ServiceState.FAILED || next == ServiceState.ERRORED || next == ServiceState.UNHEALTHY) {
      LOG.warn("service {} is {}: {}", name, next.wire(), why);
    } else {
      LOG.info("service {} is {}: {}", name, next.wire(), why);
    }
    checkWaiters();
    publish("state");
  }

  /** Completes once every transition so far is stored: a read of the events after it sees them all. */
  Future<Void> recorded() {
    return events;
  }

  void publish(String update) {
    sup.published(this, update);
  }

  private void cancelTimers() {
    cancel(backoffTimer);
    cancel(healthTimer);
    cancel(stableTimer);
    backoffTimer = -1;
    healthTimer = -1;
    stableTimer = -1;
  }

  private void cancel(long timer) {
    if (timer >= 0) {
      sup.vertx().cancelTimer(timer);
    }
  }

  JsonObject toJson() {
    JsonObject json = def.toJson()
      .put("state", state.wire())
      .put("since", since.toString())
      .put("source", source)
      .put("restarts", restarts);
    if (reason != null) {
      json.put("reason", reason);
    }
    if (proc != null) {
      json.put("pid", proc.pid()).put("pgid", proc.pgid()).put("startedAt", proc.startedAt().toString());
      proc.cgroup().ifPresent(cgroup -> json.put("cgroup", cgroup.dir().toString()));
      json.put("pendingRestart", runningDef != null && !runningDef.equals(def));
    }
    if (lastExit != null) {
      json.put("lastExit", lastExit);
    }
    if (def.health().kind() != HealthCheck.Kind.NONE) {
      JsonObject health = new JsonObject().put("status", proc == null ? "none"
        : everHealthy && healthFailures == 0 ? "healthy" : state == ServiceState.UNHEALTHY ? "unhealthy" : "starting");
      if (healthMessage != null) {
        health.put("message", healthMessage);
      }
      if (lastCheck != null) {
        health.put("lastCheck", lastCheck.toString());
      }
      json.put("healthStatus", health);
    }
    if (stats != null) {
      json.put("stats", stats);
    }
    if (createdAt != null) {
      json.put("createdAt", createdAt.toString());
    }
    if (updatedAt != null) {
      json.put("updatedAt", updatedAt.toString());
    }
    return json;
  }
}
