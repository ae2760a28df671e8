package dev.switchboard.supervisor;

import dev.switchboard.supervisor.logs.LogLine;
import dev.switchboard.supervisor.logs.LogReader;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.Fifos;
import dev.switchboard.supervisor.process.OutputPipes;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * The output of one process: its FIFOs (with their keepers) and the two readers that move its
 * stdout and stderr lines into the service's log. The readers outlive the process: they read what
 * it wrote last after it exited, and the next start waits for them ({@link #drained}).
 */
final class ProcessOutput {

  /**
   * How long a reader may keep reading after the process is gone (a straggler holding the FIFO).
   */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(1);

  private final OutputPipes pipes;
  private final LogReader stdout;
  private final LogReader stderr;

  private ProcessOutput(OutputPipes pipes, LogReader stdout, LogReader stderr) {
    this.pipes = pipes;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts reading {@code pipes} into {@code logs}, on two threads named after the service. */
  static ProcessOutput read(String service, OutputPipes pipes, LogSource logs, int maxLineBytes) {
    LogReader stdout =
        new LogReader(
                "log-" + service + "-out",
                () -> Fifos.openForReading(pipes.stdout()),
                logs,
                LogLine.STDOUT,
                maxLineBytes)
            .start();
    LogReader stderr =
        new LogReader(
                "log-" + service + "-err",
                () -> Fifos.openForReading(pipes.stderr()),
                logs,
                LogLine.STDERR,
                maxLineBytes)
            .start();
    return new ProcessOutput(pipes, stdout, stderr);
  }

  /**
   * The process is gone: drops the keepers, so that the readers reach the end once they read the
   * rest.
   */
  void processEnded() {
    pipes.close();
  }

  /**
   * Completes once both readers are done; a reader still held open by a straggler after a second is
   * closed.
   */
  Future<Void> drained(ServiceContext context) {
    return Future.all(drained(stdout, context), drained(stderr, context)).mapEmpty();
  }

  private static Future<Void> drained(LogReader reader, ServiceContext context) {
    return context.within(reader.done(), DRAIN_LIMIT).onComplete(result -> reader.close());
  }

  /** The supervisor stops and leaves the process running: stop reading, keep nothing open. */
  void release() {
    stdout.close();
    stderr.close();
    pipes.close();
  }
}
