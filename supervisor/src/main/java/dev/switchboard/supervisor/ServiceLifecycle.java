package dev.switchboard.supervisor;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.HealthCheck;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of one managed service: every transition is decided here, and only here.
 * Everything runs on the supervisor's event loop; what blocks (fork, /proc, waiting for a service's
 * processes to end) goes to the supervisor's workers and comes back. Each launch gets a new {@code
 * generation}: callbacks of a launch that a stop or a newer launch superseded find a different
 * generation and do nothing.
 *
 * <p>What it consults lives beside it: the health verdicts ({@link HealthTracker}), the restart
 * policy's counts and timers ({@link RestartBudget}), the services waiting for this one ({@link
 * DependencyWaiters}), what is done to the process ({@link CurrentProcess}) and the rows it stores
 * ({@link ServiceWrites}). Its service ({@link ManagedService}) gives it the definition and the
 * log, and publishes each transition.
 */
final class ServiceLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceLifecycle.class);

  private final ManagedService service;
  private final ServiceContext context;
  private final String name;
  private final ServiceLauncher launcher;
  private final ServiceWrites writes;
  private final DependencyWaiters waiters;
  private final HealthTracker health;
  private final RestartBudget restarts;
  private final CurrentProcess current;
  private ServiceJson.Status status;

  private boolean wanted;
  private long generation;
  private Integer lastExit;
  private Future<Void> stopping;
  private Future<Void> spawning;

  ServiceLifecycle(ManagedService service, ServiceContext context, ServiceWrites writes) {
    this.service = service;
    this.context = context;
    this.name = service.name();
    this.launcher = new ServiceLauncher(context, name);
    this.writes = writes;
    this.waiters = new DependencyWaiters(context);
    this.health = new HealthTracker(context);
    this.restarts = new RestartBudget(context);
    this.current = new CurrentProcess(context, name, launcher, writes);
    this.status = new ServiceJson.Status(ServiceState.STOPPED, null, context.clock().instant());
  }

  ServiceJson.Status status() {
    return status;
  }

  boolean wanted() {
    return wanted;
  }

  Integer lastExit() {
    return lastExit;
  }

  HealthTracker health() {
    return health;
  }

  RestartBudget restarts() {
    return restarts;
  }

  CurrentProcess current() {
    return current;
  }

  /**
   * Starts the service (and what it depends on). Completes once the process is spawned, or at once
   * when it waits for dependencies; fails with the reason when it cannot start.
   */
  Future<Void> start() {
    wanted = true;
    writes.desired("running");
    if (status.state().up()) {
      return Future.succeededFuture();
    }
    if (status.state() == ServiceState.STOPPING && stopping != null) {
      return stopping.compose(stopped -> start());
    }
    restarts.startedByHand();
    return launch(++generation);
  }

  /**
   * Stops the whole process tree; completes when nothing of it is left. With {@code remember} false
   * (Switchboard itself stopping) the service stays wanted in the database, so that the next start
   * brings it back.
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
      if (status.state() != ServiceState.STOPPED) {
        setState(ServiceState.STOPPED, why, null);
      }
      return Future.succeededFuture();
    }
    setState(ServiceState.STOPPING, why, null);
    Future<Void> stopped =
        current
            .stop(why)
            .map(
                text -> {
                  setState(ServiceState.STOPPED, text, lastExit);
                  return null;
                });
    // the stop may have completed already (a process that was gone by the time the worker ended
    // it): then it is not in progress, and the next stop must not take it for one
    stopping = stopped;
    stopped.onComplete(
        done -> {
          if (stopping == stopped) {
            stopping = null;
          }
        });
    return stopped;
  }

  Future<Void> restart() {
    return stop("restarting", true)
        .compose(
            stopped -> {
              restarts.restarted();
              context.metrics().restarted(name, "request");
              return start();
            });
  }

  private Future<Void> launch(long launchGeneration) {
    List<Dependency> dependencies = service.definition().dependsOn();
    health.reset();
    if (dependencies.isEmpty()) {
      setState(ServiceState.STARTING, "starting", null);
      return spawn(launchGeneration);
    }
    setState(
        ServiceState.STARTING, "waiting for " + DependencyWaiters.describe(dependencies), null);
    waiters
        .allReady(dependencies)
        .onComplete(
            ready -> {
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

  private Future<Void> spawn(long launchGeneration) {
    ServiceDefinition launching = service.definition();
    // a stop while it is forked ends it at once: then it is null here
    Future<Void> outcome =
        current
            .fork(launching, service.logs(), () -> launchGeneration == generation)
            .compose(
                process -> {
                  if (process != null) {
                    watch(process, launching, launchGeneration);
                  }
                  return Future.<Void>succeededFuture();
                },
                failure -> notStarted(launchGeneration, ServiceLauncher.whyNotStarted(failure)));
    spawning = outcome;
    return outcome.onComplete(
        done -> {
          if (spawning == outcome) {
            spawning = null;
          }
        });
  }

  private Future<Void> notStarted(long launchGeneration, String why) {
    if (launchGeneration == generation) {
      service.logs().note("[switchboard] " + why);
      failedToStart(why);
    }
    return Future.failedFuture(
        new ApiException(ErrorType.CONFLICT, "cannot start " + name + ": " + why, (String) null));
  }

  /** Adopts a process a previous supervisor started (FIFOs open again), as if we had started it. */
  void adopt(ServiceProcess process, OutputPipes pipes) {
    wanted = true;
    long adoptedGeneration = ++generation;
    service
        .logs()
        .note("[switchboard] adopted pid " + process.pid() + " after a supervisor restart");
    current.attach(process, service.definition(), pipes, service.logs());
    watch(process, service.definition(), adoptedGeneration);
  }

  /** Follows an attached process: its exit, its state, its health probes, the stable-run timer. */
  private void watch(ServiceProcess process, ServiceDefinition launched, long launchGeneration) {
    context.whenDone(process.onExit(), code -> exited(launchGeneration, code));
    if (launched.health().kind() == HealthCheck.Kind.NONE) {
      setState(ServiceState.RUNNING, "running", null);
    } else {
      setState(ServiceState.STARTING, "waiting for the first successful health check", null);
    }
    // the probes' commands run as the current definition says
    health.watch(
        new HealthTracker.Watch(
            launched.health(),
            process.startedAt(),
            () -> launcher.launch(service.definition(), process.instance()),
            () -> status.state() == ServiceState.STARTING,
            this::judge));
    restarts.running(launched.restart().resetAfter());
  }

  private void exited(long launchGeneration, Integer code) {
    if (launchGeneration != generation) {
      return;
    }
    cancelTimers();
    lastExit = code;
    String how = ServiceLauncher.describeExit(code);
    // what the main process left behind goes too, before anything restarts
    current
        .endLeftovers(how, service.definition())
        .onComplete(
            cleaned -> {
              if (launchGeneration == generation) {
                current.detach();
                afterExit(launchGeneration, code, how);
              }
            });
  }

  private void afterExit(long launchGeneration, Integer code, String how) {
    RestartBudget.Decision decision =
        restarts.afterExit(
            code,
            how,
            wanted,
            service.definition().restart(),
            () -> {
              if (launchGeneration == generation && wanted) {
                restarts.restarted();
                context.metrics().restarted(name, "exit");
                unattended(launch(++generation));
              }
            });
    if (decision.delay() == null) {
      wanted = false;
      writes.desired("stopped");
    }
    setState(decision.state(), decision.reason(), code);
    if (decision.state() == ServiceState.ERRORED) {
      service.logs().note("[switchboard] gave up restarting; start it again when it is fixed");
    }
  }

  private void judge(HealthTracker.Verdict verdict, String failure) {
    ServiceState state = status.state();
    if (verdict == HealthTracker.Verdict.HEALTHY) {
      if (state == ServiceState.STARTING || state == ServiceState.UNHEALTHY) {
        setState(ServiceState.RUNNING, "healthy", null);
      }
    } else if (verdict == HealthTracker.Verdict.UNHEALTHY
        && (state == ServiceState.RUNNING || state == ServiceState.STARTING)) {
      setState(ServiceState.UNHEALTHY, failure, null);
    } else {
      service.publish("health");
    }
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
    writes.event(
        next,
        why,
        current.process() == null ? null : current.process().pid(),
        exit,
        status.since());
    if (next.bad()) {
      LOG.warn("service {} is {}: {}", name, next.wire(), why);
    } else {
      LOG.info("service {} is {}: {}", name, next.wire(), why);
    }
    boolean gone = next.failed() || (next == ServiceState.STOPPED && !wanted);
    waiters.settle(this::meets, gone ? next.wire() + (why == null ? "" : ": " + why) : null);
    service.publish("state");
  }

  /**
   * Completes when this service meets {@code condition}; fails when it fails, stops, or the time is
   * up.
   */
  Future<Void> await(Dependency.Condition condition, Duration timeout) {
    return meets(condition) ? Future.succeededFuture() : waiters.await(condition, timeout);
  }

  private boolean meets(Dependency.Condition condition) {
    return switch (condition) {
      case STARTED -> current.process() != null && status.state().up();
      case HEALTHY -> status.state() == ServiceState.RUNNING;
    };
  }

  /** Supervisor shutdown with services left running: stop reading, the process goes on. */
  void release() {
    generation++;
    cancelTimers();
    current.release();
  }

  /**
   * For a start nobody waits on (a dependency's, a restart's): why it failed is already in the
   * service's state, its events and its log, so the future's failure only goes to the debug log.
   */
  private void unattended(Future<Void> start) {
    start.onFailure(failure -> LOG.debug("{}: {}", name, failure.getMessage()));
  }

  private void cancelTimers() {
    restarts.cancel();
    health.stop();
  }
}
