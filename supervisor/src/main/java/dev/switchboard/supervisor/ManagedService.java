package dev.switchboard.supervisor;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.HealthCheck;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.ProcessUsage;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One managed service as the supervisor holds it: its definition and where that came from, its log,
 * its figures and the JSON it is shown as ({@link ServiceJson}). What is asked of it (start, stop,
 * adopt, wait for it) goes to its state machine, {@link ServiceLifecycle}, which alone decides the
 * transitions. Runs on the supervisor's event loop.
 */
final class ManagedService implements StatsSampler.Measured {

  private static final Logger LOG = LoggerFactory.getLogger(ManagedService.class);

  private final ServiceContext context;
  private final String name;
  private final ServiceWrites writes;
  private final ServiceLifecycle lifecycle;
  private ServiceJson.Defined defined;
  private LogSource logs;

  ManagedService(
      ServiceContext context,
      ServiceDefinition definition,
      String source,
      Instant createdAt,
      Instant updatedAt) {
    this.context = context;
    this.name = definition.name();
    this.defined = new ServiceJson.Defined(definition, source, createdAt, updatedAt);
    this.writes = new ServiceWrites(name, context.store(), context.storeFailures());
    this.lifecycle = new ServiceLifecycle(this, context, writes);
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
    return lifecycle.status().state();
  }

  boolean wanted() {
    return lifecycle.wanted();
  }

  String sourceId() {
    return "service:" + name;
  }

  /** The service's log; there once {@link #openLogs} has completed. */
  LogSource logs() {
    return logs;
  }

  Future<Void> openLogs() {
    return context
        .logs()
        .open(sourceId(), Addresses.serviceLogs(name), "serviceId", name)
        .onSuccess(source -> logs = source)
        .mapEmpty();
  }

  void redefine(ServiceDefinition next, String nextSource, Instant at) {
    defined = new ServiceJson.Defined(next, nextSource, defined.createdAt(), at);
    publish("definition");
  }

  // ---- what is asked of it: its lifecycle decides ----

  /**
   * Starts the service (and what it depends on). Completes once the process is spawned, or at once
   * when it waits for dependencies; fails with the reason when it cannot start.
   */
  Future<Void> start() {
    return lifecycle.start();
  }

  /** Stops the whole process tree; completes when nothing of it is left. */
  Future<Void> stop(String why) {
    return lifecycle.stop(why, true);
  }

  /**
   * Stops; with {@code remember} false (Switchboard itself stopping) the service stays wanted in
   * the database, so that the next start brings it back.
   */
  Future<Void> stop(String why, boolean remember) {
    return lifecycle.stop(why, remember);
  }

  Future<Void> restart() {
    return lifecycle.restart();
  }

  /**
   * Adopts a process a previous supervisor started (its FIFOs opened by the caller); it goes on as
   * if we had started it.
   */
  void adopt(ServiceProcess process, OutputPipes pipes) {
    lifecycle.adopt(process, pipes);
  }

  /** The process a previous supervisor recorded is gone (or was ended): so goes the record. */
  void forgetProcess() {
    writes.noProcess();
  }

  /** Supervisor shutdown with services left running: stop reading, the process goes on. */
  void release() {
    lifecycle.release();
  }

  /**
   * Completes when this service meets {@code condition}; fails when it fails, stops, or the time is
   * up.
   */
  Future<Void> await(Dependency.Condition condition, Duration timeout) {
    return lifecycle.await(condition, timeout);
  }

  /** Probes now (refresh); the regular schedule goes on. */
  Future<Void> probeNow() {
    boolean probed =
        lifecycle.current().process() != null
            && definition().health().kind() != HealthCheck.Kind.NONE;
    return probed ? lifecycle.health().probeNow() : Future.succeededFuture();
  }

  // ---- figures ----

  /** The running process, if any: what the supervisor measures. */
  Optional<ServiceProcess> process() {
    return Optional.ofNullable(lifecycle.current().process());
  }

  /** The process, while one runs and no stop is under way. */
  @Override
  public Optional<ServiceProcess> measurable() {
    return state().active() && state() != ServiceState.STOPPING ? process() : Optional.empty();
  }

  /**
   * Takes the figures of {@code measured}, if it is still this service's process, and publishes
   * them; a service over its {@code maxMemory} (where the kernel does not hold it there) restarts.
   */
  @Override
  public void sample(ServiceProcess measured, ProcessUsage usage, long nanos) {
    CurrentProcess current = lifecycle.current();
    boolean fresh =
        current.sample(
            measured, usage, nanos, context.clock().instant(), lifecycle.restarts().restarts());
    Optional<String> over =
        fresh && state() != ServiceState.STOPPING ? current.overMaxMemory() : Optional.empty();
    over.ifPresent(
        why -> {
          logs.note("[switchboard] " + why + ": restarting");
          restart()
              .onFailure(
                  failure ->
                      LOG.warn(
                          "{}: restart over maxMemory failed: {}", name, failure.getMessage()));
        });
    publish("stats");
  }

  // ---- the rest ----

  /**
   * Completes once every transition so far is stored: a read of the events after it sees them all.
   */
  Future<Void> recorded() {
    return writes.recorded();
  }

  void publish(String update) {
    context.publisher().accept(this, update);
  }

  JsonObject toJson() {
    return ServiceJson.render(
        defined,
        lifecycle.status(),
        lifecycle.lastExit(),
        lifecycle.current().running(),
        lifecycle.restarts().restarts(),
        lifecycle.health(),
        lifecycle.current().stats());
  }
}
