package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A definition's env values reach no listener: not the status list, not a service read without
 * {@code envValues}, not a {@code services.status} or {@code deployments.status} event, not a
 * deployment's steps. Bug: {@code services:status} on the hub printed {@code MY_API_KEY=sk-...} to
 * every socket.
 */
class EnvValuesTest {

  private static final String SECRET = "sk-test-0123456789";
  private static final JsonObject MASKED = new JsonObject().put("masked", true);

  private SupervisorFixture sup;

  @BeforeEach
  void start() throws IOException {
    sup = new SupervisorFixture();
  }

  @AfterEach
  void stop() {
    sup.close();
  }

  private JsonObject keyed() {
    return new JsonObject()
        .put("name", "keyed")
        .put("command", new JsonArray().add("sleep").add("300"))
        .put("env", new JsonObject().put("MY_API_KEY", SECRET).put("MODE", "test"));
  }

  @Test
  void listsReadsAndStatusEventsShowNamesWithMaskedValues() {
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    sup.vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.SERVICES_STATUS, m -> events.add(m.body()))
        .completion()
        .await();
    JsonObject created = sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, keyed());
    sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "keyed"));
    sup.awaitState("keyed", "running", Duration.ofSeconds(10));
    JsonObject status = sup.request(Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject());

    JsonObject listed = status.getJsonArray("services").getJsonObject(0);
    assertThat(listed.getJsonObject("env"))
        .isEqualTo(new JsonObject().put("MY_API_KEY", MASKED).put("MODE", MASKED));
    assertThat(created.getJsonObject("env").getValue("MY_API_KEY")).isEqualTo(MASKED);
    assertThat(sup.service("keyed").getJsonObject("env").getValue("MY_API_KEY")).isEqualTo(MASKED);
    assertThat(events)
        .as("definition, state and stats events were published")
        .hasSizeGreaterThanOrEqualTo(2);
    for (Object shown : List.of(status, created, sup.service("keyed"), events)) {
      assertThat(String.valueOf(shown)).doesNotContain(SECRET);
    }
  }

  @Test
  void aReadAskingForEnvValuesShowsThem() {
    sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, keyed());
    JsonObject read =
        sup.request(
            Addresses.SUPERVISOR_SERVICES_GET,
            new JsonObject().put("name", "keyed").put(Addresses.ENV_VALUES, true));
    assertThat(read.getJsonObject("env"))
        .isEqualTo(new JsonObject().put("MY_API_KEY", SECRET).put("MODE", "test"));
    assertThat(read.getString("state")).isEqualTo("stopped");
  }

  @Test
  void aMaskedValueWrittenBackIsRefusedNotStored() {
    sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, keyed());
    JsonObject shown = sup.service("keyed");
    ApiException refused =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_UPDATE,
            new JsonObject()
                .put("name", "keyed")
                .put("definition", keyed().put("env", shown.getJsonObject("env"))));
    assertThat(refused.field()).isEqualTo("env.MY_API_KEY");
    assertThat(refused.getMessage()).contains("send the value itself");
    JsonObject read =
        sup.request(
            Addresses.SUPERVISOR_SERVICES_GET,
            new JsonObject().put("name", "keyed").put(Addresses.ENV_VALUES, true));
    assertThat(read.getJsonObject("env").getString("MY_API_KEY")).isEqualTo(SECRET);
  }

  @Test
  void aDeploymentShowsItsStepsEnvMaskedAndItsStepsStillGetTheValues() {
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    sup.vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.DEPLOYMENTS_STATUS, m -> events.add(m.body()))
        .completion()
        .await();
    sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, keyed());
    String id =
        sup.request(
                Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
                new JsonObject()
                    .put("service", "keyed")
                    .put(
                        "steps",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("name", "check")
                                    .put(
                                        "command",
                                        new JsonArray()
                                            .add("sh")
                                            .add("-c")
                                            .add(
                                                "test ${#MY_API_KEY} -eq "
                                                    + SECRET.length()
                                                    + " && test \"$STEP\" = own"))
                                    .put("env", new JsonObject().put("STEP", "own")))))
            .getString("id");
    JsonObject done = awaitFinished(id);
    assertThat(done.getString("state"))
        .as("the step saw the values: %s", done)
        .isEqualTo("succeeded");
    assertThat(done.getJsonArray("steps").getJsonObject(0).getJsonObject("env"))
        .isEqualTo(
            new JsonObject().put("MY_API_KEY", MASKED).put("MODE", MASKED).put("STEP", MASKED));
    JsonObject listed = sup.request(Addresses.SUPERVISOR_DEPLOYMENTS_LIST, new JsonObject());
    assertThat(events).isNotEmpty();
    for (Object shown : List.of(done, listed, events)) {
      assertThat(String.valueOf(shown)).doesNotContain(SECRET).doesNotContain("\"own\"");
    }
  }

  private JsonObject awaitFinished(String id) {
    return sup.awaitDeployment(
        id, deployment -> deployment.getValue("finishedAt") != null, "finishes");
  }
}
