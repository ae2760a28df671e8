package dev.switchboard.app;

import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.switchboard.common.config.Setting;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.supervisor.process.ProcTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The {@code switchboard} jar run as a child process, the way a user runs it: {@code java -jar
 * switchboard.jar [args]} with an environment the test controls (every Switchboard setting
 * inherited from the build's environment is removed first, and every port setting the test does not
 * set gets a free port).
 *
 * <p>Both output streams are read line by line on background threads into buffers (each line with
 * the time it arrived, for start-up measurements) and echoed to the test log with a prefix naming
 * the process, which is what one reads when a test fails. {@link #close()} always kills the JVM,
 * its descendants and any process whose command line names the process's DATA_DIR (the embedded
 * PostgreSQL is detached by pg_ctl, so it is no descendant), so that no test leaves a JVM or a
 * postgres behind, whatever happened.
 */
final class SwitchboardProcess implements AutoCloseable {

  /**
   * The JVM flags the root {@code ./switchboard} script runs the jar with, so that the figures
   * measured here (the start time) are those a user gets. Keep in step with that script.
   */
  /** The JVM options ./switchboard ships with (the repository's jvm.options, a java @argfile). */
  static final List<String> SCRIPT_JVM_OPTIONS =
      List.of("@" + Path.of("../jvm.options").toAbsolutePath().normalize());

  /**
   * Environment names removed besides every {@link Setting}: other services' settings, JVM and
   * libpq knobs.
   */
  private static final List<String> DROPPED_ENV =
      List.of(
          "SWITCHBOARD_LOG_LEVEL",
          "HUB_PORT",
          "EMIT_TOKEN",
          "CORS_ORIGINS",
          "HUB_PUBLIC_URL",
          "JAVA_OPTS",
          "JAVA_TOOL_OPTIONS",
          "_JAVA_OPTIONS",
          "JDK_JAVA_OPTIONS");

  /**
   * Processes not closed yet: killed by a shutdown hook should the test JVM end before @AfterEach.
   */
  private static final Set<SwitchboardProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> List.copyOf(LIVE).forEach(SwitchboardProcess::close),
                "switchboard-it-cleanup"));
  }

  /** A line of output and when it was read (System.nanoTime()). */
  record Line(long nanos, String text) {}

  private final String name;
  private final Process process;
  private final long startedNanos;
  private final Path dataDir;
  private final List<Line> stdout = new ArrayList<>();
  private final List<Line> stderr = new ArrayList<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;

  private SwitchboardProcess(String name, Process process, long startedNanos, Path dataDir) {
    this.name = name;
    this.process = process;
    this.startedNanos = startedNanos;
    this.dataDir = dataDir;
    this.stdoutReader = reader(process.getInputStream(), stdout, "out");
    this.stderrReader = reader(process.getErrorStream(), stderr, "err");
  }

  static Builder builder(String name) {
    return new Builder(name);
  }

  /** The shaded jar failsafe points at (system property {@code switchboard.jar}). */
  static Path jar() {
    String property = System.getProperty("switchboard.jar");
    assertThat(property)
        .as("system property switchboard.jar (set by the failsafe configuration)")
        .isNotBlank();
    Path jar = Path.of(property);
    assertThat(jar).as("the shaded jar; run mvn -o -pl app package first").isRegularFile();
    return jar;
  }

  /**
   * A new DATA_DIR under {@code tempDir}, both made 0711: as root the embedded PostgreSQL runs as
   * {@code nobody}, which must traverse them (JUnit's temp directories are 0700).
   */
  static Path dataDir(Path tempDir, String name) {
    try {
      Files.setAttribute(tempDir, "unix:mode", 0711);
      Path dir = Files.createDirectories(tempDir.resolve(name));
      Files.setAttribute(dir, "unix:mode", 0711);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- output

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  List<String> stdoutLines() {
    return texts(stdout);
  }

  List<String> stderrLines() {
    return texts(stderr);
  }

  String stdout() {
    return String.join("\n", stdoutLines());
  }

  String stderr() {
    return String.join("\n", stderrLines());
  }

  /** Everything the process printed, stdout first. */
  String output() {
    return stdout() + "\n" + stderr();
  }

  /** How long after the process was started the line was read. */
  Duration sinceStart(Line line) {
    return Duration.ofNanos(line.nanos() - startedNanos);
  }

  /** Waits for the first stdout line containing {@code text}. */
  Line awaitStdout(String text, Duration timeout) {
    return awaitLine(
        stdout, line -> line.contains(text), "a stdout line containing '" + text + "'", timeout);
  }

  /**
   * Waits for the banner's "Ready in" line, then for {@code gatewayUrl}'s {@code /readiness} to
   * answer 200 (with {@code token}, which may be null).
   */
  void awaitReady(String gatewayUrl, String token) {
    awaitStdout("Ready in", LauncherIT.START_TIMEOUT);
    Http.await(
        gatewayUrl + "/readiness", token, r -> r.status() == 200, this, Duration.ofSeconds(60));
  }

  Line awaitStdout(Predicate<String> matcher, String description, Duration timeout) {
    return awaitLine(stdout, matcher, description, timeout);
  }

  private Line awaitLine(
      List<Line> lines, Predicate<String> matcher, String description, Duration timeout) {
    try {
      Eventually.within(timeout)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> first(lines, matcher).isPresent() || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      return fail(
          name
              + " did not print "
              + description
              + " within "
              + timeout.toSeconds()
              + " s\n"
              + dump());
    }
    Optional<Line> found = first(lines, matcher);
    if (found.isEmpty()) {
      // it exited: what it printed last may still be on its way through the reader threads
      joinReaders();
      found = first(lines, matcher);
    }
    return found.orElseGet(
        () ->
            fail(
                name
                    + " exited with "
                    + process.exitValue()
                    + " before printing "
                    + description
                    + "\n"
                    + dump()));
  }

  private static Optional<Line> first(List<Line> lines, Predicate<String> matcher) {
    synchronized (lines) {
      return lines.stream().filter(line -> matcher.test(line.text())).findFirst();
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Sends SIGTERM. Through the {@link ProcessHandle}: {@link Process#destroy()} sends SIGTERM too,
   * but then closes our ends of the child's stdout and stderr, so whatever it prints while stopping
   * would be lost (and its writes would fail).
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Sends SIGTERM and waits for the exit; fails when it takes longer than {@code timeout}. */
  int terminate(Duration timeout) {
    terminate();
    return awaitExit(timeout);
  }

  /**
   * Waits for the process to exit and its output to be read; fails when it takes longer than {@code
   * timeout}.
   */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail(name + " did not exit within " + timeout.toSeconds() + " s\n" + dump());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    joinReaders();
    return process.exitValue();
  }

  /**
   * Kills the JVM, its descendants and whatever still names its DATA_DIR, and waits for their end
   * (so the DATA_DIR may go); idempotent.
   */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
        awaitEnded(descendants, Duration.ofSeconds(10));
      }
      if (dataDir != null) {
        killProcessesMentioning(dataDir.toString());
      }
      joinReaders();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      LIVE.remove(this);
    }
  }

  /**
   * "pid: command line" of every process (but this one) whose command line contains {@code text}.
   */
  static List<String> processesMentioning(String text) {
    List<String> found = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        long pid = Long.parseLong(entry.getFileName().toString());
        if (pid == self) {
          continue;
        }
        try {
          String commandLine =
              new String(Files.readAllBytes(entry.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ')
                  .strip();
          if (commandLine.contains(text)) {
            found.add(pid + ": " + commandLine);
          }
        } catch (IOException e) {
          // the process ended meanwhile
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /**
   * Kills (SIGKILL) every process whose command line contains {@code text}: meant for a unique temp
   * path of the test, so only processes this test started match. Returns once they have ended (at
   * most 10 s), so that the test may delete that path.
   */
  static void killProcessesMentioning(String text) {
    List<ProcessHandle> killed = new ArrayList<>();
    for (String process : processesMentioning(text)) {
      long pid = Long.parseLong(process.substring(0, process.indexOf(':')));
      ProcessHandle.of(pid)
          .ifPresent(
              handle -> {
                System.out.println("[it] killing leftover " + process);
                List<ProcessHandle> descendants =
                    handle.descendants().toList(); // a postmaster's backends and helpers
                handle.destroyForcibly();
                descendants.forEach(ProcessHandle::destroyForcibly);
                killed.add(handle);
                killed.addAll(descendants);
              });
    }
    awaitEnded(killed, Duration.ofSeconds(10));
  }

  /**
   * Waits until each process has exited; a zombie counts, as it holds no file any more (pg_ctl
   * detaches the postmaster, whose zombie nobody here reaps).
   */
  private static void awaitEnded(List<ProcessHandle> processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ProcessHandle process : processes) {
      while (ProcTable.stat((int) process.pid()).map(stat -> !stat.exited()).orElse(false)
          && System.nanoTime() < deadline) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** The output so far, for failure messages. */
  String dump() {
    return "---- "
        + name
        + " stdout ----\n"
        + stdout()
        + "\n---- "
        + name
        + " stderr ----\n"
        + stderr()
        + "\n---- end of "
        + name
        + " ----";
  }

  private void joinReaders() {
    try {
      stdoutReader.join(5_000);
      stderrReader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Thread reader(InputStream in, List<Line> into, String stream) {
    String prefix = "[" + name + ":" + stream + "] ";
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String text;
                while ((text = reader.readLine()) != null) {
                  long now = System.nanoTime();
                  synchronized (into) {
                    into.add(new Line(now, text));
                  }
                  System.out.println(prefix + text);
                }
              } catch (IOException e) {
                // the process was killed; what was read is kept
              }
            },
            "switchboard-it-" + name + "-" + stream);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static List<String> texts(List<Line> lines) {
    synchronized (lines) {
      return lines.stream().map(Line::text).toList();
    }
  }

  /** What to run and with which environment. */
  static final class Builder {

    private final String name;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<Path> pathPrefix = new ArrayList<>();
    private Path dataDir;
    private Path workDir;

    private Builder(String name) {
      this.name = name;
    }

    Builder args(String... more) {
      args.addAll(List.of(more));
      return this;
    }

    Builder env(String key, Object value) {
      env.put(key, String.valueOf(value));
      return this;
    }

    /**
     * DATA_DIR, also the working directory (so no stray ./switchboard.yaml is read) unless one is
     * set.
     */
    Builder dataDir(Path dir) {
      this.dataDir = dir;
      return env("DATA_DIR", dir);
    }

    Builder workDir(Path dir) {
      this.workDir = dir;
      return this;
    }

    /** Puts {@code dir} first on the PATH (for fake tools such as nvidia-smi). */
    Builder prependToPath(Path dir) {
      pathPrefix.add(dir);
      return this;
    }

    SwitchboardProcess start() {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(SCRIPT_JVM_OPTIONS);
      command.add("-jar");
      command.add(jar().toString());
      command.addAll(args);
      ProcessBuilder builder = new ProcessBuilder(command);
      Map<String, String> environment = builder.environment();
      for (Setting setting : Setting.values()) {
        environment.remove(setting.envName());
      }
      DROPPED_ENV.forEach(environment::remove);
      environment.keySet().removeIf(key -> key.startsWith("PG"));
      if (!pathPrefix.isEmpty()) {
        List<String> path = new ArrayList<>(pathPrefix.stream().map(Path::toString).toList());
        path.add(environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        environment.put("PATH", String.join(":", path));
      }
      // every port setting with a default that the test leaves open gets a free port: a test never
      // collides with another test, with a switchboard running on the defaults, or with a service
      // added to the launcher later (a port without a default, DB_PORT, is chosen free already)
      for (Setting setting : Setting.values()) {
        if (setting.kind() == Setting.Kind.PORT
            && setting.defaultValue().isPresent()
            && !env.containsKey(setting.envName())) {
          environment.put(setting.envName(), Integer.toString(freePort()));
        }
      }
      environment.putAll(env);
      Path dir = workDir != null ? workDir : dataDir;
      if (dir != null) {
        builder.directory(dir.toFile());
      }
      builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      System.out.println("[it] starting " + name + ": " + String.join(" ", args) + "  env " + env);
      long started = System.nanoTime();
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + command, e);
      }
      SwitchboardProcess launched = new SwitchboardProcess(name, process, started, dataDir);
      LIVE.add(launched);
      return launched;
    }
  }
}
