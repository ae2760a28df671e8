package dev.switchboard.common.testing;

import dev.switchboard.common.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The removal of the temporary directories that tests make themselves, where JUnit's {@code
 * TempDir} does not fit: a fixture's data directory, deleted by its {@code close()}, or one that
 * must outlive child processes the test ends first. Prefer {@code TempDir} where its lifecycle
 * fits.
 */
public final class TempDirs {

  private static final int ATTEMPTS = 3;

  private TempDirs() {}

  /**
   * Deletes {@code dir} and everything below it; nothing when it is gone. Symbolic links are
   * deleted, never followed. Call it once whatever wrote there (child processes, Vert.x instances)
   * has ended; should something change in the tree meanwhile, it gets two more passes.
   *
   * @throws UncheckedIOException naming the directory, with the cause that stopped its removal
   */
  public static void delete(Path dir) {
    for (int attempt = 1; ; attempt++) {
      try {
        Trees.delete(dir);
        return;
      } catch (IOException e) {
        if (attempt == ATTEMPTS) {
          throw new UncheckedIOException("Could not delete the test's " + dir, e);
        }
      }
    }
  }
}
