package dev.switchboard.files.upload;

import dev.switchboard.common.config.ByteSize;
import dev.switchboard.common.config.Durations;
import dev.switchboard.common.config.Setting;
import dev.switchboard.files.analysis.AllowList;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How uploads are taken.
 *
 * @param directory where bytes land while they arrive ({@code DATA_DIR/uploads}); tus uploads live
 *     in its {@code tus} folder
 * @param maxUpload the largest request body of {@code POST /api/v1/files} (all its files together)
 *     and the largest tus {@code Upload-Length}
 * @param expiry how long a tus upload may go without receiving bytes before it is deleted
 * @param allowList the types an upload may have
 * @param progressInterval the least time between two progress events of one upload
 * @param maxConcurrent uploads receiving bytes at once (multipart requests and tus PATCHes); more
 *     are answered 503
 * @param maxOpen unfinished tus uploads held at once (each a file until it finishes or expires); a
 *     creation past it is answered 503
 */
public record UploadOptions(
    Path directory,
    long maxUpload,
    Duration expiry,
    AllowList allowList,
    Duration progressInterval,
    int maxConcurrent,
    int maxOpen) {

  /** At most four progress events a second per upload. */
  public static final Duration PROGRESS_INTERVAL = Duration.ofMillis(250);

  /** Enough for many users at once, few enough that open files and disk bandwidth stay bounded. */
  public static final int MAX_CONCURRENT = 32;

  /** Room for many interrupted uploads, while a stranger cannot fill the disk's inode table. */
  public static final int MAX_OPEN = 1000;

  /**
   * The options from file-processor's config slice (the {@code files} object of the merged
   * configuration: {@code maxUpload} in bytes, {@code uploadExpiry} in milliseconds, {@code
   * allowedTypes}); a key left out takes its setting's default.
   */
  public static UploadOptions fromConfig(JsonObject files, Path dataDir) {
    long maxUpload =
        files.getLong("maxUpload", ByteSize.parse(defaultOf(Setting.FILES_MAX_UPLOAD)));
    Duration expiry =
        Duration.ofMillis(
            files.getLong(
                "uploadExpiry",
                Durations.parse(defaultOf(Setting.FILES_UPLOAD_EXPIRY)).toMillis()));
    JsonArray types = files.getJsonArray("allowedTypes");
    AllowList allowList =
        types == null || types.isEmpty()
            ? AllowList.DEFAULT
            : new AllowList(types.stream().map(String::valueOf).toList());
    return new UploadOptions(
        dataDir.resolve("uploads"),
        maxUpload,
        expiry,
        allowList,
        PROGRESS_INTERVAL,
        MAX_CONCURRENT,
        MAX_OPEN);
  }

  private static String defaultOf(Setting setting) {
    return setting.defaultValue().orElseThrow().toString();
  }

  Path tusDirectory() {
    return directory.resolve("tus");
  }

  /** How often abandoned tus uploads are looked for: a quarter of the expiry, 1 s to 10 min. */
  Duration sweepInterval() {
    Duration quarter = expiry.dividedBy(4);
    Duration least = Duration.ofSeconds(1);
    Duration most = Duration.ofMinutes(10);
    return quarter.compareTo(least) < 0 ? least : quarter.compareTo(most) > 0 ? most : quarter;
  }
}
