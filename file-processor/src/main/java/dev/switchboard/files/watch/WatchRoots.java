package dev.switchboard.files.watch;

import dev.switchboard.common.http.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The directories watches may look into, and the check that a requested path stays inside them: a
 * {@code ..} anywhere, an absolute path outside every root and a symbolic link that leads out of
 * them are refused, each with its own message naming {@code path}.
 */
final class WatchRoots {

  static final int MAX_PATH_LENGTH = 4096;

  private final List<Path> roots;

  WatchRoots(List<Path> roots) {
    this.roots = roots;
  }

  /**
   * The real directory (symbolic links resolved) that {@code requested} names: absolute, or taken
   * from the first root.
   */
  Path resolve(String requested) {
    if (requested == null
        || requested.isBlank()
        || requested.length() > MAX_PATH_LENGTH
        || requested.indexOf('\0') >= 0) {
      throw ApiException.invalid(
          "path", "a watch path is 1 to " + MAX_PATH_LENGTH + " characters, without NUL");
    }
    Path given;
    try {
      given = Path.of(requested);
    } catch (InvalidPathException e) {
      throw ApiException.invalid("path", "'" + requested + "' is not a valid path");
    }
    for (Path part : given) {
      if (part.toString().equals("..")) {
        throw ApiException.invalid("path", "'..' is not allowed in a watch path");
      }
    }
    Path absolute =
        given.isAbsolute() ? given.normalize() : roots.get(0).resolve(given).normalize();
    if (roots.stream().noneMatch(absolute::startsWith)) {
      throw ApiException.invalid(
          "path", "'" + requested + "' is outside the directories watches may look into");
    }
    Path real;
    try {
      real = absolute.toRealPath();
    } catch (NoSuchFileException e) {
      throw ApiException.notFound("'" + requested + "' does not exist");
    } catch (IOException e) {
      throw ApiException.invalid("path", "'" + requested + "' cannot be read: " + e.getMessage());
    }
    if (roots.stream()
        .map(WatchRoots::realOrNull)
        .noneMatch(root -> root != null && real.startsWith(root))) {
      throw ApiException.invalid(
          "path",
          "'"
              + requested
              + "' leads outside the directories watches may look into through a symbolic link");
    }
    if (!Files.isDirectory(real)) {
      throw ApiException.invalid("path", "'" + requested + "' is not a directory");
    }
    return real;
  }

  /** A root with its links resolved; null while it does not exist (the library is made later). */
  private static Path realOrNull(Path root) {
    try {
      return root.toRealPath();
    } catch (IOException e) {
      return null;
    }
  }
}
