package dev.switchboard.pg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the PostgreSQL binaries ({@code initdb}, {@code pg_ctl}) of one data directory as the server
 * user, each within a time limit, and turns a failed run into an exception that carries the tail of
 * its output.
 */
final class PgCommands {

  private static final Logger LOG = LoggerFactory.getLogger(PgCommands.class);

  private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(90);
  private static final int TAIL_LINES = 30;

  private final Path home;
  private final ServerUser user;
  private final Path dataDir;

  PgCommands(Path home, ServerUser user, Path dataDir) {
    this.home = home;
    this.user = user;
    this.dataDir = dataDir;
  }

  /** The one place that builds a PostgreSQL command line, with the run-as prefix when root. */
  List<String> command(String binary, String... args) {
    List<String> cmd = new ArrayList<>(user.prefix());
    cmd.add(home.resolve("bin").resolve(binary).toString());
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /** Runs cmd and fails unless it exits 0. */
  void run(String what, List<String> cmd) throws IOException {
    Output out = exec(cmd);
    if (out.exitCode() != 0) {
      throw failure(what, out, null, "");
    }
  }

  /** Runs cmd and returns its exit code and output, whatever the code. */
  Output exec(List<String> cmd) throws IOException {
    LOG.debug("Running {}", cmd);
    long started = System.nanoTime();
    Path output = Files.createTempFile("switchboard-pg-", ".out");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(cmd)
              .directory(home.toFile()) // readable by the server user, unlike e.g. /root
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            cmd.get(user.prefix().size())
                + " did not finish within "
                + PROCESS_TIMEOUT.toSeconds()
                + " s: "
                + tail(Files.readString(output)));
      }
      LOG.debug(
          "{} exited with {} after {} ms",
          cmd.get(user.prefix().size()),
          process.exitValue(),
          (System.nanoTime() - started) / 1_000_000);
      return new Output(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while running " + cmd, e);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** What failed, with the tail of its output and, when given, of the server log it wrote. */
  IOException failure(String what, Output out, Path serverLog, String serverLogText) {
    StringBuilder msg =
        new StringBuilder(what)
            .append(" failed (exit ")
            .append(out.exitCode())
            .append(") for ")
            .append(dataDir)
            .append(":\n")
            .append(tail(out.text()));
    if (!serverLogText.isBlank()) {
      msg.append("\n--- ").append(serverLog).append(" ---\n").append(tail(serverLogText));
    }
    return new IOException(msg.toString());
  }

  static String tail(String text) {
    List<String> lines = text.strip().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
  }

  record Output(int exitCode, String text) {}
}
