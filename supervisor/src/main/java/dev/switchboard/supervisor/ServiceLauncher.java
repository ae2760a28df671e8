package dev.switchboard.supervisor;

import dev.switchboard.common.config.Durations;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.process.EnvFiles;
import dev.switchboard.supervisor.process.Launch;
import dev.switchboard.supervisor.process.LaunchFailure;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.Ports;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and ends the processes of one service, on the supervisor's workers: the launch (argv,
 * directory, environment, and the instance marker every process of a start carries), the port
 * check, the FIFOs, the fork into the supervisor's {@link
 * dev.switchboard.supervisor.process.Containment} (a cgroup of its own where there is one); and the
 * end of everything a start ran. It keeps no state: what a start or an end means is the state
 * machine's business.
 */
final class ServiceLauncher {

  /** A process just forked, with the FIFOs its output goes to. */
  record Forked(ServiceProcess process, OutputPipes pipes) {}

  private static final Logger LOG = LoggerFactory.getLogger(ServiceLauncher.class);

  /** How long a stop waits for the exit to be reported once everything of the start is gone. */
  private static final Duration EXIT_AFTER_STOP = Duration.ofSeconds(2);

  private final ServiceContext context;
  private final String name;

  ServiceLauncher(ServiceContext context, String name) {
    this.context = context;
    this.name = name;
  }

  /**
   * The argv, directory and {@code env} of a start (without its {@code envFrom}); {@code instance}
   * marks every process of it.
   */
  Launch launch(ServiceDefinition definition, String instance) {
    return launch(definition, Map.of(), instance);
  }

  private Launch launch(
      ServiceDefinition definition, Map<String, String> fromFiles, String instance) {
    Map<String, String> env = new LinkedHashMap<>(fromFiles);
    env.putAll(definition.env());
    return Launch.of(
        definition.argv(),
        definition.cwd(),
        env,
        Map.of(ServiceProcess.SERVICE_VAR, name, ServiceProcess.INSTANCE_VAR, instance),
        context.options().defaultCwd());
  }

  /**
   * Forks a process of {@code definition}, its {@code envFrom} files read afresh; fails with a
   * {@link LaunchFailure} when one cannot be read or another process holds its port.
   */
  Future<Forked> fork(ServiceDefinition definition) {
    String instance = UUID.randomUUID().toString();
    Path runDir = context.options().runDir().resolve(name);
    return context.blocking(
        () ->
            fork(
                definition.port(),
                definition.maxMemory(),
                launch(definition, EnvFiles.read(definition.envFrom()), instance),
                runDir,
                instance));
  }

  private Forked fork(Integer port, Long maxMemory, Launch launch, Path runDir, String instance)
      throws IOException, LaunchFailure {
    if (port != null) {
      var owner = Ports.inUse(port);
      if (owner.isPresent()) {
        throw new LaunchFailure(owner.get().describe());
      }
    }
    OutputPipes pipes = OutputPipes.open(runDir);
    try {
      return new Forked(
          context.options().containment().spawn(launch, name, maxMemory, pipes, instance), pipes);
    } catch (LaunchFailure failure) {
      pipes.close();
      throw failure;
    }
  }

  /**
   * Ends everything the start of {@code process} ran (its cgroup, or its process group with every
   * straggler carrying its instance marker) the way {@code definition} says: its stop signal, then
   * KILL after its stop timeout; answers {@code signal}, {@code killed} or what else happened.
   */
  Future<String> endAll(ServiceProcess process, ServiceDefinition definition) {
    return context.blocking(
        () -> process.terminate(definition.stopSignal(), definition.stopTimeout()));
  }

  /**
   * A stop: everything of the start, then the exit of the main process; answers what the stop says
   * about itself.
   */
  Future<String> stop(ServiceProcess process, ServiceDefinition definition, String why) {
    return endAll(process, definition)
        .compose(outcome -> context.within(process.onExit(), EXIT_AFTER_STOP).map(outcome))
        .map(
            outcome ->
                switch (outcome) {
                  case "signal" -> why;
                  case "killed" ->
                      why + " (killed after " + Durations.format(definition.stopTimeout()) + ")";
                  default -> why + " (" + outcome + ")";
                })
        .recover(failure -> Future.succeededFuture(why + " (error: " + failure.getMessage() + ")"));
  }

  /**
   * A process that turned out not to be wanted any more: everything of its start is ended, quietly.
   */
  Future<Void> end(ServiceProcess process, ServiceDefinition definition, String why) {
    return endAll(process, definition)
        .onComplete(ended -> LOG.debug("{}: pid {} ended: {}", name, process.pid(), why))
        .mapEmpty();
  }

  /**
   * Why a fork failed, in words: a {@link LaunchFailure} says it itself (missing command, port
   * taken).
   */
  static String whyNotStarted(Throwable failure) {
    return failure instanceof LaunchFailure
        ? failure.getMessage()
        : "cannot start: " + failure.getMessage();
  }

  /**
   * How a process ended, in words; {@code code} is null for an adopted process, whose exit code
   * goes to init.
   */
  static String describeExit(Integer code) {
    if (code == null) {
      return "ended (exit code unknown: adopted process)";
    }
    if (code > 128 && code < 128 + 65) {
      return "was killed by signal " + (code - 128) + " (exit code " + code + ")";
    }
    if (code == 127) {
      return "exited with code 127 (command not found)";
    }
    return "exited with code " + code;
  }
}
