package dev.switchboard.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory trees on disk. Blocking. */
public final class Trees {

  private Trees() {}

  /**
   * Deletes {@code dir} and everything below it; nothing when it is gone. Symbolic links are
   * deleted, never followed, so nothing outside the tree is touched.
   *
   * @throws IOException the first failure, a directory that could not be read included
   */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause(); // the walk could not read a directory, or one went away
    }
  }
}
