package dev.switchboard.files.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /api/v1/files} over real HTTP, with real files on disk. */
class MultipartUploadTest {

  private static final long MAX = 8L << 20;
  private static final String MULTIPART =
      "Content-Type: multipart/form-data; boundary=" + Bodies.BOUNDARY;

  @TempDir Path dir;
  private UploadServer server;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    server =
        UploadServer.start(
            UploadServer.options(dir, MAX, Duration.ofHours(1)), dir.resolve("kept"));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void aPngIsStreamedHashedAndHandedToTheIntake() throws Exception {
    byte[] png = Bodies.png(400, 300);
    List<JsonObject> progress = new CopyOnWriteArrayList<>();
    server
        .vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.FILES_UPLOADS, m -> progress.add(m.body()));

    HttpResponse<String> response = post(Bodies.multipart("photo.png", "image/png", png));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonArray files = new JsonObject(response.body()).getJsonArray("files");
    assertThat(files).hasSize(1);
    assertThat(files.getJsonObject(0).getString("id")).isEqualTo("asset-1");
    Received received = server.intake.received().get(0);
    assertThat(received.name()).isEqualTo("photo.png");
    assertThat(received.declaredType()).isEqualTo("image/png");
    assertThat(received.detectedType()).isEqualTo("image/png");
    assertThat(received.size()).isEqualTo(png.length);
    assertThat(received.sha256()).isEqualTo(Bodies.sha256(png));
    assertThat(Files.readAllBytes(server.intake.bytesOf(received))).isEqualTo(png);
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(progress)
                    .last()
                    .satisfies(
                        last -> {
                          assertThat(last.getString("uploadId")).isEqualTo(received.uploadId());
                          assertThat(last.getLong("received")).isEqualTo(png.length);
                          assertThat(last.getInteger("seq")).isEqualTo(progress.size());
                        }));
  }

  @Test
  void manyFilesInOneRequestBecomeManyAssetsInOrder() throws Exception {
    byte[] png = Bodies.png(64, 64);
    byte[] csv = "name,count\napples,3\npears,5\n".getBytes(StandardCharsets.UTF_8);
    byte[] text = "just some words\n".repeat(2000).getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> response =
        post(
            Bodies.multipart(
                "a.png", "image/png", png, "b.csv", "text/csv", csv, "c.txt", "text/plain", text));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(new JsonObject(response.body()).getJsonArray("files")).hasSize(3);
    assertThat(server.intake.received())
        .extracting(Received::name, Received::detectedType, Received::sha256)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a.png", "image/png", Bodies.sha256(png)),
            org.assertj.core.groups.Tuple.tuple("b.csv", "text/csv", Bodies.sha256(csv)),
            org.assertj.core.groups.Tuple.tuple("c.txt", "text/plain", Bodies.sha256(text)));
    assertThat(uploadsLeft()).isEmpty();
  }

  /**
   * Three requests of many files each, at once, on one event loop: each chunk is lent to its upload
   * in the one array of that thread, so the rest of a chunk that the parser holds while a part's
   * file opens must be copied before another upload's next chunk takes the array.
   */
  @Test
  void uploadsAtOnceOnOneEventLoopKeepEachOthersBytesApart() throws Exception {
    try (UploadServer oneLoop =
        UploadServer.start(
            UploadServer.options(dir.resolve("one-loop"), MAX, Duration.ofHours(1)),
            dir.resolve("one-loop-kept"),
            new VertxOptions().setEventLoopPoolSize(1))) {
      List<Object[]> requests = List.of(textFiles('a', 24), textFiles('n', 24), textFiles('A', 24));
      List<CompletableFuture<HttpResponse<String>>> answers =
          requests.stream()
              .map(
                  files ->
                      http.sendAsync(
                          HttpRequest.newBuilder(URI.create(oneLoop.url("/api/v1/files")))
                              .header(
                                  "Content-Type",
                                  "multipart/form-data; boundary=" + Bodies.BOUNDARY)
                              .POST(HttpRequest.BodyPublishers.ofByteArray(Bodies.multipart(files)))
                              .build(),
                          HttpResponse.BodyHandlers.ofString()))
              .toList();
      for (CompletableFuture<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
      }
      Map<String, String> sent = new HashMap<>();
      for (Object[] files : requests) {
        for (int i = 0; i < files.length; i += 3) {
          sent.put((String) files[i], Bodies.sha256((byte[]) files[i + 2]));
        }
      }
      Map<String, String> stored = new HashMap<>();
      oneLoop.intake.received().forEach(file -> stored.put(file.name(), file.sha256()));
      assertThat(stored).containsOnlyKeys(sent.keySet());
      assertThat(sent.keySet().stream().filter(name -> !sent.get(name).equals(stored.get(name))))
          .as("files stored with other bytes than were sent")
          .isEmpty();
    }
  }

  /**
   * {@code count} text files of 40 to 250 KB, each of its own letters, starting at {@code from}.
   */
  private static Object[] textFiles(char from, int count) {
    Random random = new Random(from);
    Object[] files = new Object[count * 3];
    for (int i = 0; i < count; i++) {
      byte[] text = new byte[40_000 + random.nextInt(210_000)];
      for (int j = 0; j < text.length; j++) {
        text[j] = (byte) (j % 61 == 60 ? '\n' : from + (i + j) % 13);
      }
      files[i * 3] = from + "-" + i + ".txt";
      files[i * 3 + 1] = "text/plain";
      files[i * 3 + 2] = text;
    }
    return files;
  }

  @Test
  void anExecutableNamedPngIsRefusedBeforeTheRestIsSent() throws Exception {
    long declared = 6L << 20;
    byte[] head = Bodies.partHead("holiday.png", "image/png");
    try (RawHttp raw = new RawHttp(server.port())) {
      raw.head(
          "POST /api/v1/files HTTP/1.1",
          MULTIPART,
          "Content-Length: "
              + (head.length + declared + Bodies.partEnd().length + Bodies.closing().length));
      raw.send(head).send(Bodies.elf(64 * 1024));

      // only 64 KiB of the 6 MiB were sent: the answer comes anyway
      String response = raw.response();

      assertThat(response).startsWith("HTTP/1.1 415");
      assertThat(response)
          .contains("application/problem+json")
          .contains("executable content (ELF)");
    }
    assertThat(server.intake.received()).isEmpty();
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(uploadsLeft()).isEmpty());
  }

  @Test
  void aDeclaredBodyOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
    try (RawHttp raw = new RawHttp(server.port())) {
      String response =
          raw.head("POST /api/v1/files HTTP/1.1", MULTIPART, "Content-Length: " + (MAX + 1))
              .response();

      assertThat(response).startsWith("HTTP/1.1 413").contains("larger than " + MAX);
    }
  }

  @Test
  void aClientThatWaitsFor100ContinueIsToldToSendTheBody() throws Exception {
    byte[] body = Bodies.multipart("photo.png", "image/png", Bodies.png(64, 64));
    try (RawHttp raw = new RawHttp(server.port())) {
      raw.head(
          "POST /api/v1/files HTTP/1.1",
          MULTIPART,
          "Expect: 100-continue",
          "Content-Length: " + body.length);

      // curl does this for any body over 1 MiB, and waits a second for the answer before sending
      assertThat(raw.response()).startsWith("HTTP/1.1 100 Continue");
      raw.send(body);

      assertThat(raw.response()).startsWith("HTTP/1.1 201");
    }
    assertThat(server.intake.received()).hasSize(1);
  }

  @Test
  void aClientThatWaitsFor100ContinueWithABodyOverTheLimitGetsTheRefusalInstead() throws Exception {
    try (RawHttp raw = new RawHttp(server.port())) {
      String response =
          raw.head(
                  "POST /api/v1/files HTTP/1.1",
                  MULTIPART,
                  "Expect: 100-continue",
                  "Content-Length: " + (MAX + 1))
              .response();

      assertThat(response).startsWith("HTTP/1.1 413").contains("larger than " + MAX);
    }
  }

  @Test
  void aBodyThatGrowsPastTheLimitIsStoppedThere() throws Exception {
    byte[] png = Bodies.png(64, 64);
    try (RawHttp raw = new RawHttp(server.port())) {
      raw.head("POST /api/v1/files HTTP/1.1", MULTIPART, "Transfer-Encoding: chunked");
      raw.send(chunk(Bodies.partHead("big.png", "image/png"))).send(chunk(png));
      byte[] block = new byte[1 << 20];
      for (long sent = png.length; sent <= MAX; sent += block.length) {
        raw.send(chunk(block));
      }

      assertThat(raw.response()).startsWith("HTTP/1.1 413");
    }
    assertThat(server.intake.received()).isEmpty();
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(uploadsLeft()).isEmpty());
  }

  @Test
  void aClientThatGoesAwayLeavesNothingBehind() throws Exception {
    byte[] png = Bodies.png(1000, 1000);
    byte[] body =
        Bodies.multipart(
            "first.png", "image/png", Bodies.png(32, 32), "second.png", "image/png", png);
    try (RawHttp raw = new RawHttp(server.port())) {
      raw.head("POST /api/v1/files HTTP/1.1", MULTIPART, "Content-Length: " + body.length);
      raw.send(java.util.Arrays.copyOf(body, body.length / 2));
      Eventually.within(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(uploadsLeft()).hasSize(2));
    }

    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(uploadsLeft()).isEmpty());
    assertThat(server.intake.received()).isEmpty();
  }

  @Test
  void partsLeftByACrashAreDeletedAtTheNextStartAndTusUploadsKept() throws Exception {
    server.close();
    Path uploads = server.options.directory();
    Path orphan = Files.write(uploads.resolve("0123abcd.part"), new byte[1000]);
    Path other = Files.write(uploads.resolve("notes.txt"), new byte[10]);

    server =
        UploadServer.start(
            UploadServer.options(dir, MAX, Duration.ofHours(1)), dir.resolve("kept"));

    assertThat(orphan).doesNotExist();
    assertThat(other).exists();
  }

  @Test
  void aBodyWithoutItsClosingBoundaryIsABadRequestAndLeavesNothing() throws Exception {
    byte[] png = Bodies.png(64, 64);
    byte[] first = Bodies.multipart("a.png", "image/png", png);
    // a second part that the body ends inside, before any closing delimiter
    byte[] cut = Arrays.copyOf(first, first.length - Bodies.closing().length);
    byte[] body = new byte[cut.length + 2000];
    System.arraycopy(cut, 0, body, 0, cut.length);
    byte[] head = Bodies.partHead("b.png", "image/png");
    System.arraycopy(head, 0, body, cut.length, head.length);

    HttpResponse<String> response = post(body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).contains("\"name\":\"file\"").contains("closing boundary");
    assertThat(server.intake.received()).isEmpty();
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(uploadsLeft()).isEmpty());
  }

  @Test
  void aMultipartTypeWithoutABoundaryIsABadRequestNamingContentType() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(server.url("/api/v1/files")))
                .header("Content-Type", "multipart/form-data")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Bodies.multipart()))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"name\":\"Content-Type\"").contains("boundary");
  }

  @Test
  void aRequestThatIsNotMultipartIsRefused() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(server.url("/api/v1/files")))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Bodies.png(8, 8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.body()).contains("\"name\":\"Content-Type\"");
  }

  private HttpResponse<String> post(byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.url("/api/v1/files")))
            .header("Content-Type", "multipart/form-data; boundary=" + Bodies.BOUNDARY)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] chunk(byte[] data) {
    byte[] size = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] framed = new byte[size.length + data.length + 2];
    System.arraycopy(size, 0, framed, 0, size.length);
    System.arraycopy(data, 0, framed, size.length, data.length);
    framed[framed.length - 2] = '\r';
    framed[framed.length - 1] = '\n';
    return framed;
  }

  /** Files in the uploads directory (the tus folder aside). */
  private List<Path> uploadsLeft() throws Exception {
    try (Stream<Path> files = Files.list(server.options.directory())) {
      return files.filter(Files::isRegularFile).toList();
    }
  }
}
