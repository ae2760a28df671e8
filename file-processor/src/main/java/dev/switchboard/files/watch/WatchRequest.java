package dev.switchboard.files.watch;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One watch as asked for: a real directory inside the roots, whether its subdirectories are watched
 * too, and what is left out. Requests that name the same directory the same way share one watch,
 * whose id comes from them: the same request always gets the same id, also after a restart.
 *
 * @param directory the watched directory, symbolic links resolved
 */
record WatchRequest(Path directory, boolean recursive, Excludes excludes) {

  /** {@code {path, recursive?, exclude?}}, the path checked against {@code roots}. */
  static WatchRequest parse(JsonObject body, WatchRoots roots) {
    Object recursive = body.getValue("recursive");
    if (recursive != null && !(recursive instanceof Boolean)) {
      throw ApiException.invalid("recursive", "recursive is true or false");
    }
    Excludes excludes = Excludes.parse(body.getValue("exclude"));
    Object path = body.getValue("path");
    if (!(path instanceof String text)) {
      throw ApiException.invalid("path", "a watch needs {path}");
    }
    return new WatchRequest(roots.resolve(text), Boolean.TRUE.equals(recursive), excludes);
  }

  /** {@code w} and 24 hex digits of the SHA-256 of the directory, the flag and the globs. */
  String id() {
    String key = directory + "\n" + recursive + "\n" + String.join("\n", excludes.globs());
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "w" + HexFormat.of().formatHex(hash, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
