package dev.switchboard.files.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tus 1.0.0 protocol at {@code /api/v1/uploads/}, request by request, over real HTTP. */
class TusProtocolTest {

  private static final long MAX = 8L << 20;

  @TempDir Path dir;
  private UploadServer server;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private void start(Duration expiry) throws Exception {
    server = UploadServer.start(UploadServer.options(dir, MAX, expiry), dir.resolve("kept"));
  }

  @Test
  void optionsDescribesTheServer() throws Exception {
    start(Duration.ofHours(1));
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(uri("/api/v1/uploads/"))
                .method("OPTIONS", BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
    assertThat(response.headers().firstValue("Tus-Version")).hasValue("1.0.0");
    assertThat(response.headers().firstValue("Tus-Extension"))
        .hasValue("creation,creation-with-upload,termination,expiration");
    assertThat(response.headers().firstValue("Tus-Max-Size")).hasValue(Long.toString(MAX));
  }

  @Test
  void anUploadInTwoPatchesBecomesAnAsset() throws Exception {
    start(Duration.ofHours(1));
    byte[] png = Bodies.png(200, 200);
    String location = create(png.length, "photo.png", "image/png");
    assertThat(location).matches("/api/v1/uploads/[0-9a-f]{32}");
    int half = png.length / 2;

    HttpResponse<String> first = patch(location, 0, Arrays.copyOfRange(png, 0, half));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(204);
    assertThat(first.headers().firstValue("Upload-Offset")).hasValue(Integer.toString(half));
    assertThat(first.headers().firstValue("Upload-Expires")).isPresent();
    assertThat(first.headers().firstValue("Switchboard-Asset-Id")).isEmpty();

    HttpResponse<String> status = send(tus(location).method("HEAD", BodyPublishers.noBody()));
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.headers().firstValue("Upload-Offset")).hasValue(Integer.toString(half));
    assertThat(status.headers().firstValue("Upload-Length")).hasValue(Integer.toString(png.length));
    assertThat(status.headers().firstValue("Cache-Control")).hasValue("no-store");

    HttpResponse<String> last = patch(location, half, Arrays.copyOfRange(png, half, png.length));
    assertThat(last.statusCode()).as(last.body()).isEqualTo(204);
    assertThat(last.headers().firstValue("Upload-Offset")).hasValue(Integer.toString(png.length));
    assertThat(last.headers().firstValue("Switchboard-Asset-Id")).hasValue("asset-1");

    Received received = server.intake.received().get(0);
    assertThat(received.name()).isEqualTo("photo.png");
    assertThat(received.declaredType()).isEqualTo("image/png");
    assertThat(received.detectedType()).isEqualTo("image/png");
    assertThat(received.sha256()).isEqualTo(Bodies.sha256(png));
    assertThat(Files.readAllBytes(server.intake.bytesOf(received))).isEqualTo(png);
    assertThat(tusFiles()).isEmpty();
    assertThat(send(tus(location).method("HEAD", BodyPublishers.noBody())).statusCode())
        .isEqualTo(404);
  }

  @Test
  void theHashIsTakenAsTheBytesArriveNotByReadingTheFileOnceComplete() throws Exception {
    start(Duration.ofHours(1));
    byte[] text = "one line\n".repeat(10_000).getBytes(StandardCharsets.UTF_8);
    String location = create(text.length, "notes.txt", "text/plain");
    int half = text.length / 2;
    assertThat(patch(location, 0, Arrays.copyOfRange(text, 0, half)).statusCode()).isEqualTo(204);

    // the bytes held change behind the server's back, the length kept: a hash read back from the
    // file once the upload is complete would be that of these bytes, not of the ones sent
    String id = location.substring(location.lastIndexOf('/') + 1);
    Path held = server.options.tusDirectory().resolve(id + ".bin");
    byte[] onDisk = Files.readAllBytes(held);
    onDisk[half - 10] = 'X';
    Files.write(held, onDisk);
    HttpResponse<String> last = patch(location, half, Arrays.copyOfRange(text, half, text.length));

    assertThat(last.headers().firstValue("Switchboard-Asset-Id")).hasValue("asset-1");
    assertThat(server.intake.received().get(0).sha256()).isEqualTo(Bodies.sha256(text));
  }

  @Test
  void aPatchThatWaitsFor100ContinueIsToldToSendOnceItsOffsetIsRight() throws Exception {
    start(Duration.ofHours(1));
    byte[] text = "one line\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    String location = create(text.length, "notes.txt", "text/plain");
    String[] headers = {
      "Tus-Resumable: 1.0.0",
      "Content-Type: application/offset+octet-stream",
      "Expect: 100-continue",
      "Content-Length: " + text.length
    };

    try (RawHttp raw = new RawHttp(server.port())) {
      // a wrong offset is answered at once: no 100, no body sent
      String wrong =
          raw.head("PATCH " + location + " HTTP/1.1", with(headers, "Upload-Offset: 5")).response();
      assertThat(wrong).startsWith("HTTP/1.1 409");
    }
    try (RawHttp raw = new RawHttp(server.port())) {
      raw.head("PATCH " + location + " HTTP/1.1", with(headers, "Upload-Offset: 0"));

      assertThat(raw.response()).startsWith("HTTP/1.1 100 Continue");
      raw.send(text);

      assertThat(raw.response())
          .startsWith("HTTP/1.1 204")
          .containsIgnoringCase("Upload-Offset: " + text.length);
    }
    assertThat(server.intake.received().get(0).sha256()).isEqualTo(Bodies.sha256(text));
  }

  private static String[] with(String[] headers, String more) {
    String[] all = Arrays.copyOf(headers, headers.length + 1);
    all[headers.length] = more;
    return all;
  }

  @Test
  void creationWithUploadTakesTheBytesInThePost() throws Exception {
    start(Duration.ofHours(1));
    byte[] text = "one line\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> response =
        send(
            tus("/api/v1/uploads/")
                .header("Upload-Length", Integer.toString(text.length))
                .header("Upload-Metadata", metadata("notes.txt", "text/plain"))
                .header("Content-Type", "application/offset+octet-stream")
                .POST(BodyPublishers.ofByteArray(text)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(response.headers().firstValue("Upload-Offset"))
        .hasValue(Integer.toString(text.length));
    assertThat(response.headers().firstValue("Switchboard-Asset-Id")).hasValue("asset-1");
    assertThat(server.intake.received().get(0).detectedType()).isEqualTo("text/plain");
  }

  @Test
  void anExecutableIsRefusedFromItsFirstBytesAndTheUploadDeleted() throws Exception {
    start(Duration.ofHours(1));
    String location = create(4L << 20, "cat.png", "image/png");

    HttpResponse<String> response = patch(location, 0, Bodies.elf(16 * 1024));

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.body()).contains("executable content (ELF)");
    assertThat(tusFiles()).isEmpty();
    assertThat(server.intake.received()).isEmpty();
  }

  @Test
  void protocolErrorsAreClearProblems() throws Exception {
    start(Duration.ofHours(1));
    HttpResponse<String> noLength = send(tus("/api/v1/uploads/").POST(BodyPublishers.noBody()));
    assertThat(noLength.statusCode()).isEqualTo(400);
    assertThat(noLength.body()).contains("\"name\":\"Upload-Length\"");
    assertThat(noLength.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");

    HttpResponse<String> tooLong =
        send(
            tus("/api/v1/uploads/")
                .header("Upload-Length", Long.toString(MAX + 1))
                .POST(BodyPublishers.noBody()));
    assertThat(tooLong.statusCode()).isEqualTo(413);

    String location = create(1000, "a.txt", "text/plain");
    HttpResponse<String> badOffset = patch(location, 10, new byte[10]);
    assertThat(badOffset.statusCode()).isEqualTo(409);
    assertThat(badOffset.body())
        .contains("\"name\":\"Upload-Offset\"")
        .contains("send Upload-Offset: 0");

    HttpResponse<String> wrongType =
        send(
            tus(location)
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/octet-stream")
                .method("PATCH", BodyPublishers.ofByteArray(new byte[10])));
    assertThat(wrongType.statusCode()).isEqualTo(415);

    HttpResponse<String> unknown =
        patch("/api/v1/uploads/0123456789abcdef0123456789abcdef", 0, new byte[10]);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(
            send(tus("/api/v1/uploads/..%2F..%2Fetc").method("HEAD", BodyPublishers.noBody()))
                .statusCode())
        .isEqualTo(404);

    HttpResponse<String> noVersion =
        send(HttpRequest.newBuilder(uri(location)).method("HEAD", BodyPublishers.noBody()));
    assertThat(noVersion.statusCode()).isEqualTo(412);
    assertThat(noVersion.headers().firstValue("Tus-Version")).hasValue("1.0.0");

    HttpResponse<String> badMetadata =
        send(
            tus("/api/v1/uploads/")
                .header("Upload-Length", "10")
                .header("Upload-Metadata", "filename not*base64!")
                .POST(BodyPublishers.noBody()));
    assertThat(badMetadata.statusCode()).isEqualTo(400);
    assertThat(badMetadata.body()).contains("\"name\":\"Upload-Metadata\"");
  }

  @Test
  void terminationDeletesTheUpload() throws Exception {
    start(Duration.ofHours(1));
    String location = create(1000, "a.txt", "text/plain");
    assertThat(patch(location, 0, "some text\n".getBytes(StandardCharsets.UTF_8)).statusCode())
        .isEqualTo(204);

    assertThat(send(tus(location).DELETE()).statusCode()).isEqualTo(204);

    assertThat(tusFiles()).isEmpty();
    assertThat(patch(location, 10, new byte[10]).statusCode()).isEqualTo(404);
  }

  @Test
  void anAbandonedUploadIsCollectedAndCounted() throws Exception {
    start(Duration.ofSeconds(1));
    Counter expired = Telemetry.registry().counter("files.uploads.expired");
    Counter reclaimed = Telemetry.registry().counter("files.uploads.reclaimed.bytes");
    double expiredBefore = expired.count();
    double reclaimedBefore = reclaimed.count();
    byte[] png = Bodies.png(100, 100);
    String location = create(png.length, "left.png", "image/png");
    assertThat(patch(location, 0, Arrays.copyOf(png, png.length / 2)).statusCode()).isEqualTo(204);
    assertThat(tusFiles()).hasSize(2);

    Eventually.within(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(tusFiles()).isEmpty());

    assertThat(expired.count() - expiredBefore).isEqualTo(1);
    assertThat(reclaimed.count() - reclaimedBefore).isEqualTo(png.length / 2);
    assertThat(send(tus(location).method("HEAD", BodyPublishers.noBody())).statusCode())
        .isEqualTo(404);
  }

  @Test
  void unfinishedUploadsAreBoundedAndAFinishedOneFreesItsPlace() throws Exception {
    server =
        UploadServer.start(
            UploadServer.options(dir, MAX, Duration.ofHours(1), 2), dir.resolve("kept"));
    String first = create(10, "a.txt", "text/plain");
    create(10, "b.txt", "text/plain");

    HttpResponse<String> third =
        send(
            tus("/api/v1/uploads/")
                .header("Upload-Length", "10")
                .header("Upload-Metadata", metadata("c.txt", "text/plain"))
                .POST(BodyPublishers.noBody()));
    assertThat(third.statusCode()).isEqualTo(503);
    assertThat(third.body()).contains("2 unfinished uploads are held");
    assertThat(tusFiles()).hasSize(4);

    assertThat(patch(first, 0, "some text\n".getBytes(StandardCharsets.UTF_8)).statusCode())
        .isEqualTo(204);
    create(10, "c.txt", "text/plain");
  }

  @Test
  void uploadsSurviveARestart() throws Exception {
    start(Duration.ofHours(1));
    byte[] png = Bodies.png(120, 120);
    String location = create(png.length, "kept.png", "image/png");
    assertThat(patch(location, 0, Arrays.copyOf(png, 100)).statusCode()).isEqualTo(204);
    server.close();

    start(Duration.ofHours(1));
    HttpResponse<String> status = send(tus(location).method("HEAD", BodyPublishers.noBody()));
    assertThat(status.headers().firstValue("Upload-Offset")).hasValue("100");
    HttpResponse<String> rest = patch(location, 100, Arrays.copyOfRange(png, 100, png.length));

    assertThat(rest.headers().firstValue("Switchboard-Asset-Id")).hasValue("asset-1");
    assertThat(server.intake.received().get(0).sha256()).isEqualTo(Bodies.sha256(png));
    assertThat(server.intake.received().get(0).detectedType()).isEqualTo("image/png");
  }

  private String create(long length, String name, String type) throws Exception {
    HttpResponse<String> response =
        send(
            tus("/api/v1/uploads/")
                .header("Upload-Length", Long.toString(length))
                .header("Upload-Metadata", metadata(name, type))
                .POST(BodyPublishers.noBody()));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(response.headers().firstValue("Upload-Expires")).isPresent();
    return response.headers().firstValue("Location").orElseThrow();
  }

  private HttpResponse<String> patch(String location, long offset, byte[] bytes) throws Exception {
    return send(
        tus(location)
            .header("Upload-Offset", Long.toString(offset))
            .header("Content-Type", "application/offset+octet-stream")
            .method("PATCH", BodyPublishers.ofByteArray(bytes)));
  }

  private static String metadata(String name, String type) {
    Base64.Encoder base64 = Base64.getEncoder();
    return "filename "
        + base64.encodeToString(name.getBytes(StandardCharsets.UTF_8))
        + ",filetype "
        + base64.encodeToString(type.getBytes(StandardCharsets.UTF_8));
  }

  private HttpRequest.Builder tus(String path) {
    return HttpRequest.newBuilder(uri(path)).header("Tus-Resumable", "1.0.0");
  }

  private URI uri(String path) {
    return URI.create(server.url(path));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private java.util.List<Path> tusFiles() throws Exception {
    try (Stream<Path> files = Files.list(server.options.directory().resolve("tus"))) {
      return files.toList();
    }
  }
}
