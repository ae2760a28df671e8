package dev.switchboard.stats;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The versions {@code GET /api/v1/system/info} reports. */
final class Versions {

  private Versions() {}

  static JsonObject all(String postgres) {
    return new JsonObject()
        .put("switchboard", implementationVersion())
        .put("java", Runtime.version().toString())
        .put("vertx", vertxVersion())
        .put("postgresql", postgres);
  }

  private static String implementationVersion() {
    String version = Versions.class.getPackage().getImplementationVersion();
    return version != null ? version : "development";
  }

  private static String vertxVersion() {
    try (InputStream in =
        Vertx.class.getClassLoader().getResourceAsStream("META-INF/vertx/vertx-version.txt")) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return null;
    }
  }
}
