package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A definition's env values through the API: masked in every list and answer, shown only to the
 * admin reading the one service; every answer checked against the contract.
 */
class EnvValuesApiTest {

  private static final String TOKEN = "test-admin-token-0123456789";
  private static final String SECRET = "sk-test-0123456789";
  private static final JsonObject MASKED = new JsonObject().put("masked", true);

  private SupervisedGateway gateway;
  private ContractClient api;

  @BeforeEach
  void deploy() throws IOException {
    gateway = SupervisedGateway.start(TOKEN);
    api = gateway.api;
    api.valid(
        HttpMethod.POST,
        "/api/v1/services",
        new JsonObject()
            .put("name", "keyed")
            .put("command", new JsonArray().add("sleep").add("300"))
            .put("env", new JsonObject().put("MY_API_KEY", SECRET))
            .put("envFrom", new JsonArray().add("/etc/switchboard/keyed.env")),
        201);
  }

  @AfterEach
  void close() {
    gateway.close();
  }

  @Test
  void listsAndStatusMaskTheValuesEvenForTheAdmin() {
    for (String path :
        new String[] {"/api/v1/services", "/api/v1/services/status", "/api/services/status"}) {
      HttpResponse<Buffer> listed = api.valid(HttpMethod.GET, path, 200);
      assertThat(listed.bodyAsString()).as(path).doesNotContain(SECRET);
      assertThat(
              listed
                  .bodyAsJsonObject()
                  .getJsonArray("services")
                  .getJsonObject(0)
                  .getJsonObject("env"))
          .as(path)
          .isEqualTo(new JsonObject().put("MY_API_KEY", MASKED));
    }
  }

  @Test
  void theAdminReadingTheOneServiceSeesTheValuesAViewerDoesNot() {
    JsonObject admin = api.valid(HttpMethod.GET, "/api/v1/services/keyed", 200).bodyAsJsonObject();
    assertThat(admin.getJsonObject("env")).isEqualTo(new JsonObject().put("MY_API_KEY", SECRET));
    assertThat(admin.getJsonArray("envFrom")).containsExactly("/etc/switchboard/keyed.env");

    HttpResponse<Buffer> viewer =
        api.send(
            HttpMethod.GET, "/api/v1/services/keyed", ContractClient.VIEWER_TOKEN, null, Map.of());
    assertThat(viewer.statusCode()).isEqualTo(200);
    api.validate(HttpMethod.GET, "/api/v1/services/keyed", viewer);
    assertThat(viewer.bodyAsString()).doesNotContain(SECRET);
    assertThat(viewer.bodyAsJsonObject().getJsonObject("env"))
        .isEqualTo(new JsonObject().put("MY_API_KEY", MASKED));
  }
}
