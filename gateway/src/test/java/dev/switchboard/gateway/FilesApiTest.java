package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.http.InProcess;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.files.FileProcessorVerticle;
import dev.switchboard.files.analysis.TestFiles;
import dev.switchboard.files.upload.Bodies;
import dev.switchboard.files.upload.RawHttp;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.awt.Color;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The files and assets API through the gateway, in front of the real file-processor and a fresh
 * database: real files uploaded as multipart, processed, served with ranges and confirmed, and what
 * is refused; every answer checked against the OpenAPI contract. Twice: with file-processor in the
 * gateway's JVM, where the bytes are handed over in-process (the gateway is given a port where
 * nothing listens, so a request that went over a socket would fail), and behind the gateway's
 * proxy, as in a split deployment.
 */
@ParameterizedClass(name = "file-processor {0}")
@EnumSource
class FilesApiTest {

  enum Where {
    IN_THE_GATEWAYS_JVM,
    BEHIND_THE_PROXY
  }

  @Parameter Where where;

  private static final String TOKEN = "test-admin-token-files-0123456789";
  private static final Duration PROCESSING = Duration.ofSeconds(30);
  private static final long MAX_UPLOAD = 8 * 1024 * 1024;
  private static final String MULTIPART =
      "Content-Type: multipart/form-data; boundary=" + Bodies.BOUNDARY;

  @TempDir Path dataDir;
  @TempDir Path sources;
  private Vertx vertx;
  private ContractClient api;

  @BeforeEach
  void start() throws IOException {
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(databaseUrl, "files");
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
    JsonObject process =
        new JsonObject().put("services", new JsonArray().add("gateway").add("file-processor"));
    FileProcessorVerticle files = new FileProcessorVerticle();
    vertx
        .deployVerticle(
            files,
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("port", 0)
                        .put("workers", 2)
                        .put("maxUpload", MAX_UPLOAD)
                        .put("dataDir", dataDir.toString())
                        .put("process", process)
                        .put("auth", new JsonObject().put("adminToken", TOKEN))
                        .put("database", new JsonObject().put("url", databaseUrl))))
        .await();
    int port = files.actualPort();
    if (where == Where.BEHIND_THE_PROXY) {
      // as if file-processor ran in another process; its event bus commands still reach it
      InProcess.withdraw(vertx, FileProcessorVerticle.NAME);
    } else {
      port = nothingListensOn();
    }
    api =
        ContractClient.deployGateway(
            vertx, process, TOKEN, new JsonObject().put("url", "http://127.0.0.1:" + port));
  }

  private static int nothingListensOn() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void realFilesAreUploadedProcessedServedAndConfirmed() throws IOException {
    Path photo =
        TestFiles.jpegWithExif(
            sources.resolve("photo.jpg"),
            TestFiles.picture(1200, 800, Color.GREEN, Color.BLUE),
            6,
            "Canon",
            "EOS R5",
            "2026:11:30 10:15:00");
    Path pdf = TestFiles.pdf(sources.resolve("report.pdf"), 3, "Quarterly", "Ada");
    Path csv = Files.writeString(sources.resolve("table.csv"), "a,b,c\n1,2,3\n4,5,6\n");
    Path utf16 = sources.resolve("notes.txt");
    Files.write(utf16, "\uFEFFhello\nwörld\n".getBytes(java.nio.charset.StandardCharsets.UTF_16BE));

    JsonArray uploaded =
        upload(201, photo, pdf, csv, utf16).bodyAsJsonObject().getJsonArray("files");

    assertThat(uploaded).hasSize(4);
    JsonObject image = processed(uploaded.getJsonObject(0).getString("id"));
    assertThat(image.getString("mediaType")).isEqualTo("image/jpeg");
    assertThat(image.getJsonObject("metadata").getString("cameraMake")).isEqualTo("Canon");
    assertThat(image.getJsonObject("metadata").getInteger("orientation")).isEqualTo(6);
    assertThat(image.getJsonArray("thumbnails")).hasSize(3);
    assertThat(
            processed(uploaded.getJsonObject(1).getString("id"))
                .getJsonObject("metadata")
                .getInteger("pages"))
        .isEqualTo(3);
    assertThat(processed(uploaded.getJsonObject(2).getString("id")).getString("mediaType"))
        .isEqualTo("text/csv");
    assertThat(
            processed(uploaded.getJsonObject(3).getString("id"))
                .getJsonObject("metadata")
                .getString("encoding"))
        .isEqualTo("UTF-16BE");

    String id = image.getString("id");
    HttpResponse<Buffer> whole =
        api.valid(HttpMethod.GET, "/api/v1/assets/" + id + "/content", 200);
    assertThat(whole.body().getBytes()).isEqualTo(Files.readAllBytes(photo));
    assertThat(whole.getHeader("Content-Type")).isEqualTo("image/jpeg");
    assertThat(whole.getHeader("Content-Disposition")).contains("filename=\"photo.jpg\"");
    HttpResponse<Buffer> part =
        api.valid(
            HttpMethod.GET,
            "/api/v1/assets/" + id + "/content",
            null,
            Map.of("Range", "bytes=2-9"),
            206);
    assertThat(part.getHeader("Content-Range")).isEqualTo("bytes 2-9/" + Files.size(photo));
    assertThat(part.body().length()).isEqualTo(8);
    api.valid(
        HttpMethod.GET,
        "/api/v1/assets/" + id + "/content",
        null,
        Map.of("If-None-Match", whole.getHeader("ETag")),
        304);
    HttpResponse<Buffer> thumbnail =
        api.valid(HttpMethod.GET, "/api/v1/assets/" + id + "/thumbnail?size=200", 200);
    assertThat(thumbnail.getHeader("Content-Type")).isEqualTo("image/jpeg");
    // the smallest at least that large (512), else the largest (1024); EXIF 6 turned it upright
    assertThat(longSide(thumbnail)).isEqualTo(512);
    assertThat(
            longSide(
                api.valid(HttpMethod.GET, "/api/v1/assets/" + id + "/thumbnail?size=100", 200)))
        .isEqualTo(128);
    assertThat(
            longSide(
                api.valid(HttpMethod.GET, "/api/v1/assets/" + id + "/thumbnail?size=5000", 200)))
        .isEqualTo(1024);

    // found by its hash, and by nothing else's
    JsonObject byHash =
        api.valid(HttpMethod.GET, "/api/v1/assets?hash=" + image.getString("sha256"), 200)
            .bodyAsJsonObject();
    assertThat(byHash.getLong("total")).isEqualTo(1);
    assertThat(byHash.getJsonArray("assets").getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(
            api.valid(HttpMethod.GET, "/api/v1/assets?hash=" + "0".repeat(64), 200)
                .bodyAsJsonObject()
                .getLong("total"))
        .isZero();

    // the seed's route, with the seed's single id
    JsonObject decided =
        api.valid(HttpMethod.POST, "/api/assets/confirm", new JsonObject().put("id", id), 200)
            .bodyAsJsonObject();
    assertThat(decided.getInteger("succeeded")).isEqualTo(1);
    assertThat(dataDir.resolve("library").resolve("photo.jpg")).hasSameBinaryContentAs(photo);
    JsonObject confirmed =
        api.valid(HttpMethod.GET, "/api/v1/assets?state=confirmed", 200).bodyAsJsonObject();
    assertThat(confirmed.getLong("total")).isEqualTo(1);
    assertThat(confirmed.getJsonArray("assets").getJsonObject(0).getString("decidedBy"))
        .isEqualTo("admin");
    // still served, now from the library
    assertThat(api.valid(HttpMethod.GET, "/api/v1/assets/" + id + "/content", 200).body().length())
        .isEqualTo((int) Files.size(photo));
  }

  @Test
  void anExecutableOrAZipBombIsRefusedAtUploadAndAPixelBombAtProcessing() throws IOException {
    Path elf = sources.resolve("kitten.png");
    byte[] bytes = new byte[8192];
    bytes[0] = 0x7f;
    bytes[1] = 'E';
    bytes[2] = 'L';
    bytes[3] = 'F';
    Files.write(elf, bytes);
    assertThat(upload(415, elf).bodyAsJsonObject().getString("detail")).contains("ELF");
    assertThat(
            upload(415, TestFiles.zipBomb(sources.resolve("photos.zip"), 10))
                .bodyAsJsonObject()
                .getString("detail"))
        .contains("application/zip");

    Path bomb = TestFiles.decompressionBombPng(sources.resolve("tiny.png"), 50_000);
    String id =
        upload(201, bomb).bodyAsJsonObject().getJsonArray("files").getJsonObject(0).getString("id");

    JsonObject rejected = settled(id);
    assertThat(rejected.getString("state")).isEqualTo("rejected");
    assertThat(rejected.getString("reason")).contains("pixels");
    assertThat(dataDir.resolve("files").resolve(id)).doesNotExist();
    try (var left = Files.walk(dataDir.resolve("uploads"))) {
      assertThat(left.filter(Files::isRegularFile)).as("nothing left in the uploads").isEmpty();
    }
  }

  @Test
  void theSameBytesTwiceAreOneAssetAndRejectingDeletesThem() throws IOException {
    Path png = TestFiles.png(sources.resolve("a.png"), 300, 200);
    String id =
        upload(201, png).bodyAsJsonObject().getJsonArray("files").getJsonObject(0).getString("id");
    processed(id);

    JsonObject again = upload(201, png).bodyAsJsonObject().getJsonArray("files").getJsonObject(0);
    assertThat(again.getString("id")).isEqualTo(id);
    assertThat(again.getBoolean("duplicate")).isTrue();

    JsonObject answer =
        api.valid(
                HttpMethod.POST,
                "/api/v1/assets/reject",
                new JsonObject().put("ids", new JsonArray().add(id)),
                200)
            .bodyAsJsonObject();
    assertThat(
            answer
                .getJsonArray("results")
                .getJsonObject(0)
                .getJsonObject("asset")
                .getString("state"))
        .isEqualTo("rejected");
    api.valid(HttpMethod.GET, "/api/v1/assets/" + id + "/content", 404);
    api.valid(HttpMethod.DELETE, "/api/v1/assets/" + id, 200);
    api.valid(HttpMethod.GET, "/api/v1/assets/" + id, 404);
  }

  /**
   * file-processor refuses a large upload before it has read it (over the limit, or a refused type
   * in its first bytes) and answers at once: the gateway, still sending the body, passes that
   * answer on (it was a 503 "file-processor does not answer" when the connection was closed under
   * it).
   */
  @Test
  void anUploadRefusedEarlyIsAnsweredThroughTheGatewayWithItsReason() throws IOException {
    Path large = sources.resolve("large.mp4");
    try (var out = Files.newOutputStream(large)) {
      out.write(new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'});
      byte[] block = new byte[1024 * 1024];
      for (int i = 0; i < 6 * MAX_UPLOAD / block.length; i++) {
        out.write(block);
      }
    }
    assertThat(upload(413, large).bodyAsJsonObject().getString("detail"))
        .contains(Long.toString(MAX_UPLOAD));

    Path executable = sources.resolve("holiday.jpg");
    try (var out = Files.newOutputStream(executable)) {
      out.write(new byte[] {0x7f, 'E', 'L', 'F'});
      out.write(new byte[(int) MAX_UPLOAD - 64 * 1024]);
    }
    assertThat(upload(415, executable).bodyAsJsonObject().getString("detail")).contains("ELF");
  }

  /**
   * A tus upload through the gateway, resumed halfway: HEAD asks the offset, as tus-js-client does.
   */
  @Test
  void aTusUploadIsResumedFromTheOffsetAHeadRequestReports() throws IOException {
    byte[] png = Files.readAllBytes(TestFiles.png(sources.resolve("resumed.png"), 400, 300));
    int half = png.length / 2;
    HttpResponse<Buffer> created =
        api.request(HttpMethod.POST, "/api/v1/uploads/")
            .bearerTokenAuthentication(TOKEN)
            .putHeader("Tus-Resumable", "1.0.0")
            .putHeader("Upload-Length", Integer.toString(png.length))
            .putHeader("Upload-Metadata", "filename cmVzdW1lZC5wbmc=")
            .send()
            .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String upload = URI.create(created.getHeader("Location")).getPath();
    assertThat(patch(upload, 0, java.util.Arrays.copyOf(png, half)).statusCode()).isEqualTo(204);

    HttpResponse<Buffer> offset =
        api.valid(HttpMethod.HEAD, upload, null, Map.of("Tus-Resumable", "1.0.0"), 200);
    assertThat(offset.getHeader("Upload-Offset")).isEqualTo(Integer.toString(half));
    assertThat(offset.getHeader("Upload-Length")).isEqualTo(Integer.toString(png.length));

    HttpResponse<Buffer> rest =
        patch(upload, half, java.util.Arrays.copyOfRange(png, half, png.length));
    assertThat(rest.statusCode()).isEqualTo(204);
    assertThat(rest.getHeader("Upload-Offset")).isEqualTo(Integer.toString(png.length));
  }

  private HttpResponse<Buffer> patch(String upload, long offset, byte[] bytes) {
    return api.request(HttpMethod.PATCH, upload)
        .bearerTokenAuthentication(TOKEN)
        .putHeader("Tus-Resumable", "1.0.0")
        .putHeader("Upload-Offset", Long.toString(offset))
        .putHeader("Content-Type", "application/offset+octet-stream")
        .sendBuffer(Buffer.buffer(bytes))
        .await();
  }

  @Test
  void theSeedsUploadRouteTakesTheSameUpload() throws IOException {
    Path csv = Files.writeString(sources.resolve("seed.csv"), "a,b\n1,2\n");
    MultipartForm form = MultipartForm.create();
    form.binaryFileUpload("file", "seed.csv", csv.toString(), "text/csv");
    HttpResponse<Buffer> response =
        api.request(HttpMethod.POST, "/api/files/process")
            .bearerTokenAuthentication(TOKEN)
            .sendMultipartForm(form)
            .await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    String id = response.bodyAsJsonObject().getJsonArray("files").getJsonObject(0).getString("id");
    assertThat(processed(id).getString("mediaType")).isEqualTo("text/csv");
  }

  @Test
  void badInputIsAProblemNamingTheField() {
    assertField(api.valid(HttpMethod.GET, "/api/v1/assets?state=lost", 400), "state");
    assertField(
        api.valid(HttpMethod.GET, "/api/v1/assets?limit=99999999999999999999", 400), "limit");
    assertField(api.valid(HttpMethod.GET, "/api/v1/assets/not-an-id", 400), "id");
    assertField(api.valid(HttpMethod.GET, "/api/v1/assets/not-an-id/content", 400), "id");
    assertField(
        api.valid(
            HttpMethod.POST,
            "/api/v1/assets/confirm",
            new JsonObject().put("ids", new JsonArray().add("../x")),
            400),
        "ids[0]");
    assertField(
        api.valid(HttpMethod.POST, "/api/v1/assets/check", new JsonObject(), 400), "hashes");
  }

  /** The long side, in pixels, of the picture a response carries. */
  private static int longSide(HttpResponse<Buffer> picture) throws IOException {
    java.awt.image.BufferedImage image =
        javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(picture.body().getBytes()));
    return Math.max(image.getWidth(), image.getHeight());
  }

  private static void assertField(HttpResponse<Buffer> problem, String field) {
    assertThat(
            problem
                .bodyAsJsonObject()
                .getJsonArray("invalid-params")
                .getJsonObject(0)
                .getString("name"))
        .isEqualTo(field);
  }

  @Test
  void aClientThatWaitsFor100ContinueIsToldToSendTheBody() throws Exception {
    byte[] body = Bodies.multipart("dot.png", "image/png", Bodies.png(8, 8));
    try (RawHttp raw = new RawHttp(api.port())) {
      // curl waits a second for the answer before it sends a body over 1 MiB; a second is ours
      raw.within(Duration.ofMillis(500))
          .head(
              "POST /api/v1/files HTTP/1.1",
              "Authorization: Bearer " + TOKEN,
              MULTIPART,
              "Expect: 100-continue",
              "Content-Length: " + body.length);

      assertThat(raw.response()).startsWith("HTTP/1.1 100 Continue");
      raw.within(PROCESSING).send(body);

      assertThat(raw.response()).startsWith("HTTP/1.1 201");
    }
  }

  @Test
  void aClientThatWaitsFor100ContinueWithoutACredentialIsRefusedInstead() throws Exception {
    try (RawHttp raw = new RawHttp(api.port())) {
      raw.head(
          "POST /api/v1/files HTTP/1.1",
          MULTIPART,
          "Expect: 100-continue",
          "Content-Length: 100000");

      assertThat(raw.response()).startsWith("HTTP/1.1 401");
    }
  }

  private HttpResponse<Buffer> upload(int status, Path... files) {
    MultipartForm form = MultipartForm.create();
    for (Path file : files) {
      form.binaryFileUpload(
          "file", file.getFileName().toString(), file.toString(), "application/octet-stream");
    }
    HttpResponse<Buffer> response =
        api.request(HttpMethod.POST, "/api/v1/files")
            .bearerTokenAuthentication(TOKEN)
            .sendMultipartForm(form)
            .await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    api.validate(HttpMethod.POST, "/api/v1/files", response);
    return response;
  }

  private JsonObject processed(String id) {
    JsonObject asset = settled(id);
    assertThat(asset.getString("state")).as(asset.encodePrettily()).isEqualTo("processed");
    return asset;
  }

  /** The asset once processing has ended, whichever way. */
  private JsonObject settled(String id) {
    return Eventually.within(PROCESSING)
        .until(
            () -> api.valid(HttpMethod.GET, "/api/v1/assets/" + id, 200).bodyAsJsonObject(),
            asset ->
                !asset.getString("state").equals("uploaded")
                    && !asset.getString("state").equals("processing"));
  }
}
