package dev.switchboard.files;

import dev.switchboard.files.analysis.AllowList;
import dev.switchboard.files.analysis.AnalysisLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * file-processor's settings, read from its config slice (the {@code files} section with {@code
 * dataDir} added), defaults filled by the config loader.
 *
 * @param node this file-processor's name in queue claims: its host and data directory, so that it
 *     stays the same across restarts and differs between two processors sharing a database
 */
public record FilesOptions(
    Path dataDir,
    Path library,
    int port,
    int workers,
    Duration retention,
    AnalysisLimits limits,
    String node) {

  public static FilesOptions fromConfig(JsonObject config) {
    Path dataDir = Path.of(config.getString("dataDir", "./data")).toAbsolutePath().normalize();
    String library = config.getString("library");
    AnalysisLimits limits =
        AnalysisLimits.DEFAULT.withStepTimeLimit(
            Duration.ofMillis(config.getLong("stepTimeout", 30_000L)));
    JsonArray allowed = config.getJsonArray("allowedTypes");
    if (allowed != null) {
      limits = limits.withAllowList(new AllowList(allowed.stream().map(Object::toString).toList()));
    }
    return new FilesOptions(
        dataDir,
        library == null
            ? dataDir.resolve("library")
            : Path.of(library).toAbsolutePath().normalize(),
        config.getInteger("port", 3009),
        config.getInteger("workers", Runtime.getRuntime().availableProcessors()),
        Duration.ofMillis(config.getLong("retention", Duration.ofDays(30).toMillis())),
        limits,
        hostName() + ":" + dataDir);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
