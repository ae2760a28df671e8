package dev.switchboard.supervisor;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.HealthCheck;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.LaunchFailure;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.ProcTable;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One managed service and its state machine. Everything here runs on the supervisor's event loop;
 * what blocks (fork, /proc, waiting for a process group to empty) goes to the supervisor's workers
 * and comes back. Each launch gets a new {@code generation}: callbacks of a launch that a stop or a
 * newer launch superseded find a different generation and do nothing.
 *
 * <p>This class decides the transitions; what it consults lives beside it: the health verdicts
 * ({@link HealthTracker}), the restart policy's counts ({@link RestartBudget}), the figures
 * ({@link ProcessStats}), the services waiting for this one ({@link DependencyWaiters}), the
 * process's output ({@link ProcessOutput}), forks and process groups ({@link ServiceLauncher}), the
 * rows it stores ({@link ServiceWrites}) and the JSON it is shown as ({@link ServiceJson}).
 */
final class ManagedService {

  private static final Logger LOG = LoggerFactory.getLogger(ManagedService.class);

  private final ServiceContext context;
  private final String name;
  private final ServiceLauncher launcher;
  private final ServiceWrites writes;
  private final DependencyWaiters waiters;
  private final HealthTracker health;
  private final RestartBudget restarts = new RestartBudget();
  private final CurrentProcess current;
  private ServiceJson.Defined defined;
  private ServiceJson.Status status;
  private LogSource logs;

  private boolean wanted;
  private long generation;
  private Integer lastExit;
  private Future<Void> stopping;
  private Future<Void> spawning;
  private long backoffTimer = -1;
  private long stableTimer = -1;

  ManagedService(ServiceContext context, ServiceDefinition definition, String source, Instant createdAt, Instant updatedAt) {
    this.context = context;
    this.name = definition.name();
    this.launcher = new ServiceLauncher(context, name);
    this.writes = new ServiceWrites(name, context.store(), context.storeFailures());
    this.waiters = new DependencyWaiters(context);
    this.health = new HealthTracker(context);
    this.current = new CurrentProcess(context, name, writes);
    this.defined = new ServiceJson.Defined(definition, source, createdAt, updatedAt);
    this.status = new ServiceJson.Status(ServiceState.STOPPED, null, context.clock().instant());
  }

  String name() {
    return name;
  }

  ServiceDefinition definition() {
    return defined.definition();
  }

  String source() {
    return defined.source();
  }

  ServiceState state() {
    return status.state();
  }

  boolean wanted() {
    return wanted;
  }

  String sourceId() {
    return "service:" + name;
  }

  Future<Void> openLogs() {
    return context.logs().open(sourceId(), Addresses.serviceLogs(name), "serviceId", name)
      .onSuccess(source -> logs = source).mapEmpty();
  }

  void redefine(ServiceDefinition next, String nextSource, Instant at) {
    defined = new ServiceJson.Defined(next, nextSource, defined.createdAt(), at);
    publish("definition");
  }

  /** The definition the running process was started with; the current one when none runs. */
  private ServiceDefinition effectiveDefinition() {
    ServiceJson.Running running = current.running();
    return running != null ? running.definition() : defined.definition();
  }

  // ---- the state machine ----

  /**
   * Starts the service (and what it depends on). Completes once the process is spawned, or at once
   * when it waits for dependencies; fails with the reason when it cannot start.
   */
  Future<Void> start() {
    wanted = true;
    writes.desired("running");
    ServiceState state = state();
    if (state == ServiceState.STARTING || state == ServiceState.RUNNING || state == ServiceState.UNHEALTHY) {
      return Future.succeededFuture();
    }
    if (state == ServiceState.STOPPING && stopping != null) {
      return stopping.compose(stopped -> start());
    }
    context.cancelTimer(backoffTimer);
    backoffTimer = -1;
    restarts.reset();
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
      writes.desired("stopped");
    }
    generation++;
    cancelTimers();
    waiters.failAll("stopped");
    if (stopping != null) {
      return stopping;
    }
    if (current.process() == null && spawning != null) {
      // a process is being forked: it is ended as soon as it exists, and only then is this stopped
      return spawning.otherwiseEmpty().compose(spawned -> stop(why, remember));
    }
    if (current.process() == null) {
      if (state() != ServiceState.STOPPED) {
        setState(ServiceState.STOPPED, why, null);
      }
      return Future.succeededFuture();
    }
    return terminate(why);
  }

  Future<Void> restart() {
    return stop("restarting").compose(stopped -> {
      restarts.restarted();
      return start();
    });
  }

  private Future<Void> launch(long launchGeneration) {
    List<Dependency> dependencies = definition().dependsOn();
    health.reset();
    if (dependencies.isEmpty()) {
      setState(ServiceState.STARTING, "starting", null);
      return spawn(launchGeneration);
    }
    setState(ServiceState.STARTING, "waiting for " + DependencyWaiters.describe(dependencies), null);
    waiters.allReady(dependencies).onComplete(ready -> {
      if (launchGeneration != generation) {
        return;
      }
      if (ready.failed()) {
        failedToStart(ready.cause().getMessage());
      } else {
        unattended(spawn(launchGeneration));
      }
    });
    return Future.succeededFuture();
  }

  private void exited(long launchGeneration, Integer code) {
    if (launchGeneration != generation) {
      return;
    }
    ServiceProcess ended = current.process();
    cancelTimers();
    lastExit = code;
    String how = code == null ? "ended (exit code unknown: adopted process)" : ServiceLauncher.describeExit(code);
    logs.note("[switchboard] process " + ended.pid() + " " + how);
    // what the main process left behind in its group goes too, before anything restarts
    launcher.endGroup(ended, definition()).onComplete(cleaned -> {
      if (launchGeneration == generation) {
        current.detach();
        afterExit(launchGeneration, code, how);
      }
    });
  }

  private void afterExit(long launchGeneration, Integer code, String how) {
    RestartBudget.Decision decision = restarts.afterExit(code, how, wanted, definition().restart(), context.clock().instant());
    if (decision.delay() == null) {
      wanted = false;
      writes.desired("stopped");
      setState(decision.state(), decision.reason(), code);
      if (decision.state() == ServiceState.ERRORED) {
        logs.note("[switchboard] gave up restarting; start it again when it is fixed");
      }
      return;
    }
    setState(decision.state(), decision.reason(), code);
    backoffTimer = context.timer(decision.delay(), () -> {
      backoffTimer = -1;
      if (launchGeneration == generation && wanted) {
        restarts.restarted();
        unattended(launch(++generation));
      }
    });
  }

  /**
   * A start that could not happen (no such command, a dependency that failed) ends the wish to run,
   * as a process that ended {@code failed} does: the next start of Switchboard does not try again
   * at every launch, unless the definition says {@code autostart}.
   */
  private void failedToStart(String why) {
    wanted = false;
    writes.desired("stopped");
    setState(ServiceState.FAILED, why, null);
  }

  private void setState(ServiceState next, String why, Integer exit) {
    status = new ServiceJson.Status(next, why, context.clock().instant());
    writes.event(next, why, current.process() == null ? null : current.process().pid(), exit);
    boolean bad = next == ServiceState.FAILED || next == ServiceState.ERRORED || next == ServiceState.UNHEALTHY;
    if (bad) {
      LOG.warn("service {} is {}: {}", name, next.wire(), why);
    } else {
      LOG.info("service {} is {}: {}", name, next.wire(), why);
    }
    boolean gone = next == ServiceState.FAILED || next == ServiceState.ERRORED || (next == ServiceState.STOPPED && !wanted);
    waiters.settle(this::meets, gone ? next.wire() + (why == null ? "" : ": " + why) : null);
    publish("state");
  }

  // ---- launching and ending processes ----

  private Future<Void> spawn(long launchGeneration) {
    ServiceDefinition launching = definition();
    Future<Void> outcome = current.fork(launcher, launching).compose(forked -> {
      if (launchGeneration != generation) {
        // stopped while it was being spawned
        forked.pipes().close();
        return launcher.end(forked.process(), launching, "stopped before it was up");
      }
      attach(forked.process(), launching, forked.pipes(), launchGeneration);
      logs.note("[switchboard] started pid " + forked.process().pid() + ": " + String.join(" ", launching.argv()));
      return Future.<Void>succeededFuture();
    }, failure -> {
      String why = failure instanceof LaunchFailure ? failure.getMessage() : "cannot start: " + failure.getMessage();
      if (launchGeneration == generation) {
        logs.note("[switchboard] " + why);
        failedToStart(why);
      }
      return Future.failedFuture(new ApiException(ErrorType.CONFLICT, "cannot start " + name + ": " + why, (String) null));
    });
    spawning = outcome;
    return outcome.onComplete(done -> {
      if (spawning == outcome) {
        spawning = null;
      }
    });
  }

  /** Wires a process up: output readers, exit handler, health probes, the stable-run timer, the record in the database. */
  private void attach(ServiceProcess process, ServiceDefinition launched, OutputPipes pipes, long launchGeneration) {
    current.attach(process, launched, pipes, logs);
    process.onExit().whenComplete((code, failure) -> context.eventLoop().runOnContext(exit -> exited(launchGeneration, code)));
    if (launched.health().kind() == HealthCheck.Kind.NONE) {
      setState(ServiceState.RUNNING, "running", null);
    } else {
      setState(ServiceState.STARTING, "waiting for the first successful health check", null);
    }
    // the probes' commands run as the current definition says
    health.watch(new HealthTracker.Watch(launched.health(), process.startedAt(),
      () -> launcher.launch(definition(), process.instance()), () -> state() == ServiceState.STARTING, this::judge));
    stableTimer = context.timer(launched.restart().resetAfter(), () -> {
      stableTimer = -1;
      if (launchGeneration == generation) {
        restarts.reset();
      }
    });
  }

  /** Adopts a process a previous supervisor started (its FIFOs opened by the caller); it goes on as if we had started it. */
  void adopt(ServiceProcess process, OutputPipes pipes) {
    wanted = true;
    long adoptedGeneration = ++generation;
    logs.note("[switchboard] adopted pid " + process.pid() + " after a supervisor restart");
    attach(process, definition(), pipes, adoptedGeneration);
  }

  /** The process a previous supervisor recorded is gone (or was ended): so goes the record. */
  void forgetProcess() {
    writes.noProcess();
  }

  /** Stop: the whole group, with the grace period, then the exit and the readers. */
  private Future<Void> terminate(String why) {
    ServiceProcess process = current.process();
    setState(ServiceState.STOPPING, why, null);
    logs.note("[switchboard] stopping pid " + process.pid() + " (" + why + ")");
    stopping = launcher.stop(process, effectiveDefinition(), why).map(text -> {
      current.detach();
      stopping = null;
      logs.note("[switchboard] stopped: " + text);
      setState(ServiceState.STOPPED, text, lastExit);
      return null;
    });
    return stopping;
  }

  /** Supervisor shutdown with services left running: stop reading, the process goes on. */
  void release() {
    generation++;
    cancelTimers();
    current.release();
  }

  // ---- health ----

  /** Probes now (refresh); the regular schedule goes on. */
  Future<Void> probeNow() {
    return current.process() == null || definition().health().kind() == HealthCheck.Kind.NONE ? Future.succeededFuture() : health.probeNow();
  }

  private void judge(HealthTracker.Verdict verdict, String failure) {
    ServiceState state = state();
    if (verdict == HealthTracker.Verdict.HEALTHY) {
      if (state == ServiceState.STARTING || state == ServiceState.UNHEALTHY) {
        setState(ServiceState.RUNNING, "healthy", null);
      }
    } else if (verdict == HealthTracker.Verdict.UNHEALTHY && (state == ServiceState.RUNNING || state == ServiceState.STARTING)) {
      setState(ServiceState.UNHEALTHY, failure, null);
    } else {
      publish("health");
    }
  }

  // ---- dependencies ----

  /** Completes when this service meets {@code condition}; fails when it fails, stops, or the time is up. */
  Future<Void> await(Dependency.Condition condition, Duration timeout) {
    return meets(condition) ? Future.succeededFuture() : waiters.await(condition, timeout);
  }

  private boolean meets(Dependency.Condition condition) {
    ServiceState state = state();
    return switch (condition) {
      case STARTED -> current.process() != null
        && (state == ServiceState.STARTING || state == ServiceState.RUNNING || state == ServiceState.UNHEALTHY);
      case HEALTHY -> state == ServiceState.RUNNING;
    };
  }

  // ---- figures ----

  /** Takes the figures of this service's process group from a /proc snapshot; answers whether there are new ones. */
  boolean sample(Map<Integer, List<ProcTable.Proc>> groups, long nanos) {
    return current.sample(groups, nanos, context.clock().instant(), restarts.restarts());
  }

  /** After a new sample: a process group over the service's {@code maxMemory} is restarted. */
  void enforceMemoryLimit() {
    Long limit = effectiveDefinition().maxMemory();
    long rss = current.stats().rssBytes();
    if (limit != null && rss > limit && state() != ServiceState.STOPPING) {
      logs.note("[switchboard] memory " + rss + " bytes is over maxMemory " + limit + ": restarting");
      restart().onFailure(failure -> LOG.warn("{}: restart over maxMemory failed: {}", name, failure.getMessage()));
    }
  }

  // ---- the rest ----

  /** Completes once every transition so far is stored: a read of the events after it sees them all. */
  Future<Void> recorded() {
    return writes.recorded();
  }

  void publish(String update) {
    context.publisher().accept(this, update);
  }

  JsonObject toJson() {
    return ServiceJson.render(defined, status, lastExit, current.running(), restarts.restarts(), health, current.stats());
  }

  /**
   * For a start nobody waits on (a dependency's, a restart's): why it failed is already in the
   * service's state, its events and its log, so the future's failure only goes to the debug log.
   */
  private void unattended(Future<Void> start) {
    start.onFailure(failure -> LOG.debug("{}: {}", name, failure.getMessage()));
  }

  private void cancelTimers() {
    context.cancelTimer(backoffTimer);
    health.stop();
    context.cancelTimer(stableTimer);
    backoffTimer = -1;
    stableTimer = -1;
  }
}
