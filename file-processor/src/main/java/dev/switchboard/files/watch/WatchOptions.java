package dev.switchboard.files.watch;

import dev.switchboard.common.config.Setting;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What directory watches may cover and cost.
 *
 * @param roots the directories watches may look into; a relative watch path is taken from the first
 * @param maxWatches watches held at once, all holders together ({@code WATCH_MAX})
 * @param maxDirectories directories one watch may cover ({@code WATCH_MAX_DIRECTORIES})
 * @param quietWindow how long a file must see no event before its change is published: an editor's
 *     save (write, rename, touch) is one change
 * @param maxDelay the longest a change waits, however busy the file: a file written without pause
 *     still gets a change this often
 * @param batchSize changes per event-bus message at most; a burst goes out as several messages
 */
public record WatchOptions(
    List<Path> roots,
    int maxWatches,
    int maxDirectories,
    Duration quietWindow,
    Duration maxDelay,
    int batchSize) {

  public static final Duration DEFAULT_QUIET_WINDOW = Duration.ofMillis(150);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(2);
  public static final int DEFAULT_BATCH_SIZE = 500;

  public WatchOptions {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("watches need at least one root");
    }
    if (maxWatches < 1 || maxDirectories < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "watch limits must be positive: "
              + maxWatches
              + ", "
              + maxDirectories
              + ", "
              + batchSize);
    }
    if (quietWindow.isNegative() || maxDelay.compareTo(quietWindow) < 0) {
      throw new IllegalArgumentException(
          "the quiet window must be between 0 and the longest delay: "
              + quietWindow
              + ", "
              + maxDelay);
    }
    roots = roots.stream().map(root -> root.toAbsolutePath().normalize()).toList();
  }

  /**
   * The {@code files} section of the configuration: {@code watch.roots} (unset: {@code library},
   * itself unset: {@code dataDir/library}), {@code watch.max} and {@code watch.maxDirectories}
   * (unset: their {@link Setting} defaults).
   */
  public static WatchOptions fromConfig(JsonObject files, Path dataDir) {
    JsonObject section = files == null ? new JsonObject() : files;
    JsonObject watch = section.getJsonObject("watch", new JsonObject());
    JsonArray configured = watch.getJsonArray("roots");
    List<Path> roots =
        configured == null || configured.isEmpty()
            ? List.of(
                section.getString("library") == null
                    ? dataDir.resolve("library")
                    : Path.of(section.getString("library")))
            : configured.stream().map(root -> Path.of(root.toString())).toList();
    return new WatchOptions(
        roots,
        watch.getInteger("max", defaultOf(Setting.WATCH_MAX)),
        watch.getInteger("maxDirectories", defaultOf(Setting.WATCH_MAX_DIRECTORIES)),
        DEFAULT_QUIET_WINDOW,
        DEFAULT_MAX_DELAY,
        DEFAULT_BATCH_SIZE);
  }

  private static int defaultOf(Setting setting) {
    return (Integer) setting.defaultValue().orElseThrow();
  }
}
