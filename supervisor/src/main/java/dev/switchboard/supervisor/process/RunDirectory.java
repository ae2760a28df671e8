package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A service's runtime directory, {@code DATA_DIR/run/services/<name>/}, which holds its output
 * FIFOs. Blocking.
 */
public final class RunDirectory {

  private RunDirectory() {}

  /**
   * Removes the directory and what it holds, once its service is deleted: nothing of a deleted
   * service stays behind, and a new service of the same name starts with fresh FIFOs.
   */
  public static void remove(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
