package dev.switchboard.pg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Who runs the PostgreSQL binaries: this process' own user, or, when that is root, {@code nobody}
 * through a command prefix ({@code setpriv}, else {@code runuser}), because {@code initdb} and
 * {@code postgres} refuse to run as root.
 */
record ServerUser(String name, int uid, int gid, List<String> prefix) {

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
      return new ServerUser(
          name,
          uid,
          gid,
          List.of(
              setpriv.get().toString(),
              "--reuid=" + uid,
              "--regid=" + gid,
              "--clear-groups",
              "--"));
    }
    Optional<Path> runuser = findProgram("runuser");
    if (runuser.isPresent()) {
      return new ServerUser(name, uid, gid, List.of(runuser.get().toString(), "-u", name, "--"));
    }
    throw new IOException(
        "Running as root, but neither setpriv nor runuser is available to run"
            + " PostgreSQL as '"
            + name
            + "' (it refuses to run as root). Install util-linux, set"
            + " DATABASE_URL to use an external server, or run as a normal user.");
  }

  boolean switched() {
    return !prefix.isEmpty();
  }

  /**
   * Hands dir to the server user; recursively when it is not theirs yet (first init, or a move).
   */
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
        throw new IOException(
            "Cannot run the embedded PostgreSQL as root: it runs as '"
                + name
                + "', which cannot reach "
                + what
                + " ("
                + dir
                + ") because "
                + p
                + " is not searchable for it. Make it searchable (chmod o+x "
                + p
                + "), use a data"
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
      String out =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
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
