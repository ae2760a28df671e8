package dev.switchboard.files.watch;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code exclude} globs of a watch. An entry is excluded when a glob matches its path relative
 * to the watched directory or its name alone, so {@code node_modules} leaves out every directory of
 * that name and {@code *.tmp} every such file, at any depth. An excluded directory is never
 * watched.
 */
final class Excludes {

  static final int MAX_GLOBS = 32;
  static final int MAX_GLOB_LENGTH = 256;

  private final List<String> globs;
  private final List<PathMatcher> matchers;

  private Excludes(List<String> globs, List<PathMatcher> matchers) {
    this.globs = globs;
    this.matchers = matchers;
  }

  static Excludes none() {
    return new Excludes(List.of(), List.of());
  }

  /** The globs of a request's {@code exclude}, sorted so that their order does not matter. */
  static Excludes parse(Object exclude) {
    if (exclude == null) {
      return none();
    }
    if (!(exclude instanceof JsonArray array) || array.size() > MAX_GLOBS) {
      throw ApiException.invalid("exclude", "exclude is a list of at most " + MAX_GLOBS + " globs");
    }
    List<String> globs = new ArrayList<>();
    List<PathMatcher> matchers = new ArrayList<>();
    for (Object value : array) {
      if (!(value instanceof String glob) || glob.isEmpty() || glob.length() > MAX_GLOB_LENGTH) {
        throw ApiException.invalid(
            "exclude", "each exclude glob is a string of 1 to " + MAX_GLOB_LENGTH + " characters");
      }
      globs.add(glob);
    }
    globs = globs.stream().sorted().distinct().toList();
    for (String glob : globs) {
      try {
        matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
      } catch (PatternSyntaxException e) {
        throw ApiException.invalid(
            "exclude", "'" + glob + "' is not a valid glob: " + e.getDescription());
      }
    }
    return new Excludes(globs, matchers);
  }

  boolean matches(Path relative) {
    Path name = relative.getFileName();
    return matchers.stream()
        .anyMatch(matcher -> matcher.matches(relative) || name != null && matcher.matches(name));
  }

  List<String> globs() {
    return globs;
  }
}
