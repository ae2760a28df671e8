package dev.switchboard.app;

import dev.switchboard.common.Trees;
import io.vertx.core.file.FileSystemOptions;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where Vert.x keeps its file cache: the files it copies out of the jar to serve them (the web app,
 * the API contract). Vert.x puts it in {@code /tmp/vertx-cache-<uuid>} and deletes it when it
 * closes or the JVM exits normally, so every {@code kill -9} used to leave one in {@code /tmp}.
 * Here it is {@code DATA_DIR/run/vertx-cache/<pid>}, and a start deletes the ones whose process is
 * gone. Two processes on one DATA_DIR (a split deployment) each keep their own.
 */
final class FileCacheDir {

  private static final Logger LOG = LoggerFactory.getLogger(FileCacheDir.class);

  private FileCacheDir() {}

  /**
   * Deletes the caches left in {@code DATA_DIR/run/vertx-cache} by processes that are gone and
   * answers the file-system options for this process's own (Vert.x adds {@code -2} to the name
   * should a former process with this pid have left one).
   */
  static FileSystemOptions in(Path dataDir) {
    Path parent = dataDir.resolve("run").resolve("vertx-cache");
    long self = ProcessHandle.current().pid();
    for (Path left : leftBehind(parent, self)) {
      try {
        Trees.delete(left);
      } catch (IOException e) {
        LOG.warn("cannot delete the file cache {} a former process left: {}", left, e.toString());
      }
    }
    return new FileSystemOptions()
        .setFileCacheDir(parent.resolve(Long.toString(self)).toString())
        .setFileCacheDirAsExactPath(true);
  }

  /** The caches in {@code parent} whose process is not running; never {@code self}'s. */
  static List<Path> leftBehind(Path parent, long self) {
    List<Path> left = new ArrayList<>();
    if (!Files.isDirectory(parent)) {
      return left;
    }
    try (DirectoryStream<Path> caches = Files.newDirectoryStream(parent)) {
      for (Path cache : caches) {
        long pid = pid(cache.getFileName().toString());
        if (pid != self
            && (pid <= 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) {
          left.add(cache);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list the file caches in {}: {}", parent, e.toString());
    }
    return left;
  }

  private static long pid(String name) {
    // Vert.x names a second cache of one path <path>-2; a name of neither form is no process's,
    // and -1 no process's pid
    int dash = name.indexOf('-');
    try {
      return Long.parseLong(dash < 0 ? name : name.substring(0, dash));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
