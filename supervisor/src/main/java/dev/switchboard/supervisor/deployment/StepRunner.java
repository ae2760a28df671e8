package dev.switchboard.supervisor.deployment;

import dev.switchboard.common.config.Durations;
import dev.switchboard.supervisor.logs.LogLine;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogReader;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.Launch;
import dev.switchboard.supervisor.process.LaunchFailure;
import dev.switchboard.supervisor.process.ProcessGroups;
import dev.switchboard.supervisor.process.StepProcess;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one step of a deployment as a process group of its own: its output read into the
 * deployment's log source, ended when it runs past its timeout or the deployment is cancelled, and
 * its end stored.
 */
final class StepRunner {

  private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

  /** How long a step's process group has between TERM and KILL. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** How long the output readers may take to drain once the step has exited. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final Context context;
  private final WorkerExecutor workers;
  private final DeploymentStore store;
  private final LogPipeline logs;
  private final Path defaultCwd;

  StepRunner(
      Vertx vertx,
      Context context,
      WorkerExecutor workers,
      DeploymentStore store,
      LogPipeline logs,
      Path defaultCwd) {
    this.vertx = vertx;
    this.context = context;
    this.workers = workers;
    this.store = store;
    this.logs = logs;
    this.defaultCwd = defaultCwd;
  }

  /**
   * Runs step {@code number} (1-based); completes empty when it succeeded, or with why the
   * deployment stops.
   */
  Future<Optional<String>> run(
      ActiveDeployment deployment, LogSource out, int number, DeploymentStep step) {
    Launch launch =
        Launch.of(
            step.argv(),
            step.cwd(),
            step.env(),
            Map.of("SWITCHBOARD_DEPLOYMENT", String.valueOf(deployment.id)),
            defaultCwd);
    return workers
        .executeBlocking(() -> StepProcess.start(launch), false)
        .compose(process -> exit(deployment, out, number, step, process))
        .compose(
            exit -> {
              StepState state =
                  deployment.cancelled
                      ? StepState.CANCELLED
                      : exit == 0 ? StepState.SUCCEEDED : StepState.FAILED;
              out.note(
                  "[switchboard] step "
                      + number
                      + " "
                      + (exit == 0 ? "succeeded" : "exited with code " + exit));
              return store
                  .stepFinished(deployment.id, number, state, exit)
                  .map(
                      v ->
                          deployment.cancelled
                              ? Optional.of(
                                  "cancelled during step " + number + " (" + step.name() + ")")
                              : exit != 0
                                  ? Optional.of(
                                      "step "
                                          + number
                                          + " ("
                                          + step.name()
                                          + ") exited with code "
                                          + exit)
                                  : Optional.<String>empty());
            },
            err -> {
              String why =
                  err instanceof LaunchFailure
                      ? err.getMessage()
                      : "cannot run step: " + err.getMessage();
              out.note("[switchboard] step " + number + ": " + why);
              return store
                  .stepFinished(deployment.id, number, StepState.FAILED, null)
                  .map(v -> Optional.of("step " + number + " (" + step.name() + "): " + why));
            });
  }

  /**
   * Reads the step's output until it exits (ending it at its timeout); completes with its exit
   * code.
   */
  private Future<Integer> exit(
      ActiveDeployment deployment,
      LogSource out,
      int number,
      DeploymentStep step,
      StepProcess process) {
    deployment.process = process;
    if (deployment.cancelled) {
      // cancelled between the fork and now
      kill(deployment, process);
    }
    int maxLineBytes = logs.options().maxLineBytes();
    LogReader stdout =
        new LogReader(
                "deploy-" + deployment.id + "-out",
                () -> Channels.newChannel(process.stdout()),
                out,
                LogLine.STDOUT,
                maxLineBytes)
            .start();
    LogReader stderr =
        new LogReader(
                "deploy-" + deployment.id + "-err",
                () -> Channels.newChannel(process.stderr()),
                out,
                LogLine.STDERR,
                maxLineBytes)
            .start();
    long timer =
        vertx.setTimer(
            step.timeout().toMillis(),
            timerId -> {
              out.note(
                  "[switchboard] step "
                      + number
                      + " ran past its timeout of "
                      + Durations.format(step.timeout())
                      + "; ending it");
              kill(deployment, process);
            });
    Promise<Integer> exited = Promise.promise();
    process
        .onExit()
        .whenComplete((exit, failure) -> context.runOnContext(v -> exited.complete(exit)));
    return exited
        .future()
        .compose(
            exit -> {
              vertx.cancelTimer(timer);
              deployment.process = null;
              // the output readers finish once everything that held the pipes is gone
              CompletableFuture<Void> drained =
                  CompletableFuture.allOf(stdout.done(), stderr.done())
                      .orTimeout(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
              return Future.fromCompletionStage(drained, context).otherwiseEmpty().map(exit);
            });
  }

  /** Ends the step's whole process group: TERM, then KILL what is left. */
  void kill(ActiveDeployment deployment, StepProcess process) {
    workers
        .executeBlocking(
            () -> ProcessGroups.terminate(process.pgid(), "TERM", STOP_TIMEOUT, null, null), false)
        .onFailure(
            err ->
                LOG.warn(
                    "deployment {}: cannot end the process group {} of its step: {}",
                    deployment.id,
                    process.pgid(),
                    err.getMessage()));
  }
}
