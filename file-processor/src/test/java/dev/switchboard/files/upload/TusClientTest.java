package dev.switchboard.files.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unmodified npm tus-js-client 4.3.1 (src/test/node/tus-upload.mjs, run by Node) against the
 * tus routes: an upload aborted at 60 % resumes from the offset the server holds and arrives whole.
 */
class TusClientTest {

  private static final Path NODE_DIR = Path.of("src/test/node");
  private static final Duration HARD_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private UploadServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        UploadServer.start(
            UploadServer.options(dir, 64L << 20, Duration.ofHours(1)), dir.resolve("kept"));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void anUploadAbortedAt60PercentResumesFromItsOffset() throws Exception {
    byte[] png = Bodies.png(1600, 1200);
    Path file = Files.write(dir.resolve("big.png"), png);

    List<JsonObject> events = run(file, "image/png", "0.6", 256 * 1024);

    List<Long> patchOffsets =
        events.stream()
            .filter(event -> event.getString("event").equals("patch"))
            .map(event -> event.getLong("offset"))
            .toList();
    JsonObject aborted = only(events, "aborted");
    JsonObject success = only(events, "success");
    assertThat(aborted.getLong("sent")).isGreaterThanOrEqualTo(png.length * 6L / 10);
    // after the abort the client asked the server where it stood and went on from there
    int resumedAt = events.indexOf(aborted) + 1;
    long resumedFrom =
        events.subList(resumedAt, events.size()).stream()
            .filter(event -> event.getString("event").equals("patch"))
            .findFirst()
            .orElseThrow()
            .getLong("offset");
    assertThat(resumedFrom).isPositive().isLessThan(png.length);
    assertThat(patchOffsets).isSorted();
    assertThat(success.getString("assetId")).isEqualTo("asset-1");
    Received received = server.intake.received().get(0);
    assertThat(received.name()).isEqualTo("big.png");
    assertThat(received.sha256()).isEqualTo(Bodies.sha256(png));
    assertThat(Files.readAllBytes(server.intake.bytesOf(received))).isEqualTo(png);
    System.out.println(
        "tus-js-client: "
            + png.length
            + " bytes, aborted at "
            + aborted.getLong("sent")
            + ", resumed from offset "
            + resumedFrom);
  }

  @Test
  void anExecutableFailsTheClientWithTheReason() throws Exception {
    Path file = Files.write(dir.resolve("setup.png"), Bodies.elf(1 << 20));

    List<JsonObject> events = run(file, "image/png", null, 0);

    assertThat(only(events, "error").getString("message"))
        .contains("415")
        .contains("executable content (ELF)");
    assertThat(server.intake.received()).isEmpty();
  }

  private static JsonObject only(List<JsonObject> events, String name) {
    List<JsonObject> matching =
        events.stream().filter(event -> event.getString("event").equals(name)).toList();
    assertThat(matching).as(events.toString()).hasSize(1);
    return matching.get(0);
  }

  /** Runs the client to its end; answers the events it reported, in order. */
  private List<JsonObject> run(Path file, String type, String abortAt, int chunkSize)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(NODE_DIR.resolve("node_modules/tus-js-client"))) {
      throw new IllegalStateException(
          "run `npm ci` in file-processor/"
              + NODE_DIR
              + " (the build does it in generate-test-resources)");
    }
    ProcessBuilder builder =
        new ProcessBuilder("node", "tus-upload.mjs").directory(NODE_DIR.toFile());
    builder.environment().put("ENDPOINT", server.url("/api/v1/uploads/"));
    builder.environment().put("FILE", file.toString());
    builder.environment().put("FILE_TYPE", type);
    builder.environment().put("DRIVER_TIMEOUT_MS", Long.toString(HARD_TIMEOUT.toMillis()));
    if (abortAt != null) {
      builder.environment().put("ABORT_AT", abortAt);
    }
    if (chunkSize > 0) {
      builder.environment().put("CHUNK_SIZE", Integer.toString(chunkSize));
    }
    Process node = builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(node.waitFor(HARD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      return Arrays.stream(output.split("\n"))
          .filter(line -> !line.isBlank())
          .map(JsonObject::new)
          .toList();
    } finally {
      node.destroyForcibly();
    }
  }
}
