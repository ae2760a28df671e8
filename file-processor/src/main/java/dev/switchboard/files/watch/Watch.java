package dev.switchboard.files.watch;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One watch: the directories it covers and who holds it. It ends with its last holder. Guarded by
 * the {@link Watcher} that owns it.
 */
final class Watch {

  final String id;
  final WatchRequest request;
  final Set<String> holders = new HashSet<>();
  final Set<WatchedDirectory> directories = new HashSet<>();

  /** Changes found since the last publication. */
  final List<JsonObject> outgoing = new ArrayList<>();

  Watch(WatchRequest request) {
    this.id = request.id();
    this.request = request;
  }

  Path root() {
    return request.directory();
  }

  /** Whether {@code path}, inside the watched directory, is left out by an exclude glob. */
  boolean excludes(Path path) {
    return request.excludes().matches(root().relativize(path));
  }

  /** Whether a directory found under one of this watch's directories should be watched too. */
  boolean follows(Path directory) {
    return request.recursive() && directory.startsWith(root()) && !excludes(directory);
  }
}
