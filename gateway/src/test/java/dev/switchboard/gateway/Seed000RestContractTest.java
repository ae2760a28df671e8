package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.FreePorts;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 000's REST calls, word for word from its "API Endpoints" ({@code GET /api/services/status},
 * {@code POST /api/services/{serviceName}/start|stop}, {@code POST /api/files/process}, {@code POST
 * /api/assets/confirm}), with the seed's service names, against the real supervisor and
 * file-processor behind the gateway: each answers what the seed promises, its monitor's words
 * included (Connected / Disconnected / Starting / Error). The one thing a seed client adds is the
 * bearer token.
 */
class Seed000RestContractTest {

  private static final String TOKEN = "test-admin-token-seed000-0123456789";
  private static final Duration SETTLE = Duration.ofSeconds(30);

  @TempDir Path work;
  private SupervisedGateway gateway;
  private ContractClient api;
  private int lmStudioPort;

  @BeforeEach
  void start() throws IOException {
    gateway = SupervisedGateway.startWithFiles(TOKEN);
    api = gateway.api;
    lmStudioPort = FreePorts.freePort();
    Files.createDirectories(work.resolve("www"));
    // the seed's three services, under the seed's own names: lmStudio answers HTTP on its port,
    // comfyUI is the seed's "python3 ComfyUI/main.py" where no ComfyUI is installed, and
    // fileProcessor is defined but never started
    define(
        new JsonObject()
            .put("name", "lmStudio")
            .put(
                "command",
                new JsonArray()
                    .add("python3")
                    .add("-m")
                    .add("http.server")
                    .add(String.valueOf(lmStudioPort))
                    .add("--bind")
                    .add("127.0.0.1"))
            .put("cwd", work.resolve("www").toString())
            .put("port", lmStudioPort)
            .put(
                "health",
                new JsonObject()
                    .put("http", "http://127.0.0.1:" + lmStudioPort + "/")
                    .put("interval", "1s")));
    define(
        new JsonObject()
            .put("name", "comfyUI")
            .put("command", new JsonArray().add("python3").add("ComfyUI/main.py"))
            .put("cwd", work.toString())
            .put("restart", "no"));
    define(
        new JsonObject()
            .put("name", "fileProcessor")
            .put("command", new JsonArray().add("sleep").add("300")));
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private void define(JsonObject definition) {
    api.valid(HttpMethod.POST, "/api/v1/services", definition, 201);
  }

  /** {@code GET /api/services/status}: every service, by name. */
  private JsonObject status(String name) {
    JsonArray services =
        api.valid(HttpMethod.GET, "/api/services/status", 200)
            .bodyAsJsonObject()
            .getJsonArray("services");
    for (int i = 0; i < services.size(); i++) {
      if (services.getJsonObject(i).getString("name").equals(name)) {
        return services.getJsonObject(i);
      }
    }
    throw new AssertionError("GET /api/services/status has no " + name + ": " + services);
  }

  private JsonObject settled(String name, String seedStatus) {
    return Eventually.within(SETTLE)
        .until(() -> status(name), service -> service.getString("status").equals(seedStatus));
  }

  @Test
  void getServicesStatusListsTheSeedsServicesInTheMonitorsWords() {
    JsonObject answer = api.valid(HttpMethod.GET, "/api/services/status", 200).bodyAsJsonObject();
    assertThat(answer.getString("timestamp")).isNotBlank();
    assertThat(
            answer.getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("name")))
        .containsExactlyInAnyOrder("comfyUI", "fileProcessor", "lmStudio");
    for (String name : new String[] {"lmStudio", "comfyUI", "fileProcessor"}) {
      JsonObject service = status(name);
      assertThat(service.getString("state")).isEqualTo("stopped");
      assertThat(service.getString("status")).as(name).isEqualTo("Disconnected");
    }
  }

  @Test
  void postStartThenStopOfLmStudioGoesStartingConnectedDisconnected() {
    JsonObject started =
        api.valid(HttpMethod.POST, "/api/services/lmStudio/start", 200).bodyAsJsonObject();
    assertThat(started.getString("name")).isEqualTo("lmStudio");
    assertThat(started.getString("status"))
        .as("until its first health check passes")
        .isEqualTo("Starting");

    JsonObject connected = settled("lmStudio", "Connected");
    assertThat(connected.getString("state")).isEqualTo("running");
    assertThat(connected.getJsonObject("healthStatus").getString("status")).isEqualTo("healthy");
    assertThat(status("comfyUI").getString("status")).isEqualTo("Disconnected");

    JsonObject stopped =
        api.valid(HttpMethod.POST, "/api/services/lmStudio/stop", 200).bodyAsJsonObject();
    assertThat(stopped.getString("state")).isEqualTo("stopped");
    assertThat(stopped.getString("status")).isEqualTo("Disconnected");
    assertThat(status("lmStudio").getString("status")).isEqualTo("Disconnected");
  }

  @Test
  void aServiceThatCannotRunShowsErrorWithItsReason() {
    api.valid(HttpMethod.POST, "/api/services/comfyUI/start", 200);
    JsonObject failed = settled("comfyUI", "Error");
    assertThat(failed.getString("state")).isEqualTo("failed");
    assertThat(failed.getString("reason")).isNotBlank();
    assertThat(failed.getInteger("lastExit")).isEqualTo(2);
  }

  @Test
  void theSeedsNamesAreExactAndAnUnknownServiceIs404() {
    api.valid(HttpMethod.POST, "/api/services/lmstudio/start", 404);
    api.valid(HttpMethod.POST, "/api/services/mainServer/stop", 404);
  }

  @Test
  void postFilesProcessTakesAnUploadAndPostAssetsConfirmKeepsIt() throws IOException {
    Path notes = Files.writeString(work.resolve("notes.txt"), "a note to keep\n");
    HttpResponse<Buffer> uploaded =
        api.request(HttpMethod.POST, "/api/files/process")
            .bearerTokenAuthentication(TOKEN)
            .sendMultipartForm(
                MultipartForm.create()
                    .textFileUpload("file", "notes.txt", notes.toString(), "text/plain"))
            .await();
    assertThat(uploaded.statusCode()).as(uploaded.bodyAsString()).isEqualTo(201);
    api.validate(HttpMethod.POST, "/api/files/process", uploaded);
    String id = uploaded.bodyAsJsonObject().getJsonArray("files").getJsonObject(0).getString("id");

    JsonObject processed =
        Eventually.within(SETTLE)
            .until(
                () -> api.valid(HttpMethod.GET, "/api/v1/assets/" + id, 200).bodyAsJsonObject(),
                asset -> asset.getString("state").equals("processed"));
    assertThat(processed.getString("mediaType")).startsWith("text/plain");

    JsonObject confirmed =
        api.valid(HttpMethod.POST, "/api/assets/confirm", new JsonObject().put("id", id), 200)
            .bodyAsJsonObject();
    assertThat(confirmed.getInteger("succeeded")).isEqualTo(1);
    assertThat(confirmed.getJsonArray("results").getJsonObject(0).getBoolean("ok")).isTrue();
    assertThat(
            api.valid(HttpMethod.GET, "/api/v1/assets/" + id, 200)
                .bodyAsJsonObject()
                .getString("state"))
        .isEqualTo("confirmed");
  }
}
