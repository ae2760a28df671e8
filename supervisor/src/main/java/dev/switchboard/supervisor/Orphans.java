package dev.switchboard.supervisor;

import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.ProcessGroups;
import dev.switchboard.supervisor.process.ServiceProcess;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes a previous supervisor recorded: one still ours (same pid, same start, same instance
 * marker) is adopted, with the cgroup it runs in, when {@code supervisor.orphans} is {@code adopt};
 * otherwise it is ended, or what is left of its group; and what is left in the service's cgroup
 * goes too. Blocking: runs on the supervisor's workers.
 */
final class Orphans {

  /** A process to adopt, with its FIFOs open again. */
  record Adoptable(ServiceProcess process, OutputPipes pipes) {}

  private static final Logger LOG = LoggerFactory.getLogger(Orphans.class);
  private static final Duration END_TIMEOUT = Duration.ofSeconds(10);

  private final Supervisor.Options options;
  private final Clock clock;

  Orphans(Supervisor.Options options, Clock clock) {
    this.options = options;
    this.clock = clock;
  }

  /**
   * The recorded process if it is still ours and we adopt; otherwise it is ended with what it left,
   * and nothing.
   */
  Optional<Adoptable> recover(ServiceStore.Stored row) throws IOException {
    String name = row.definition().getString("name");
    Optional<ServiceProcess> alive =
        options
            .containment()
            .adopt(
                row.pid(),
                row.procStart() == null ? -1 : row.procStart(),
                row.instance(),
                row.startedAt() == null ? clock.instant() : row.startedAt());
    if (alive.isPresent() && options.adoptOrphans()) {
      LOG.info(
          "service {}: adopting pid {} left running by a previous supervisor", name, row.pid());
      return Optional.of(
          new Adoptable(alive.get(), OutputPipes.open(options.runDir().resolve(name))));
    }
    if (alive.isPresent()) {
      LOG.info("service {}: ending pid {} left by a previous supervisor", name, row.pid());
      alive.get().terminate("TERM", END_TIMEOUT);
    } else if (ServiceProcess.groupAlive(row.pid())) {
      LOG.info(
          "service {}: ending process group {} left by a previous supervisor", name, row.pid());
      ProcessGroups.terminate(
          row.pid(), "TERM", END_TIMEOUT, ServiceProcess.INSTANCE_VAR, row.instance());
    }
    options.containment().endLeftovers(name);
    return Optional.empty();
  }
}
