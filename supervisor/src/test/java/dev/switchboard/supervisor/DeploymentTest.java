package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.FreePorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deployments: steps, the health gate, the rollback, the queue, cancel. */
class DeploymentTest {

  private SupervisorFixture sup;
  private int port;

  @BeforeEach
  void start() throws IOException {
    sup = new SupervisorFixture();
    port = FreePorts.freePort();
    sup.request(
        Addresses.SUPERVISOR_SERVICES_CREATE,
        definition(SupervisorFixture.java(FakeLlamaServer.class, port, 0)));
    sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "model"));
    sup.awaitState("model", "running", Duration.ofSeconds(15));
  }

  @AfterEach
  void stop() {
    sup.close();
  }

  private JsonObject definition(JsonArray command) {
    return new JsonObject()
        .put("name", "model")
        .put("command", command)
        .put("port", port)
        .put(
            "health",
            new JsonObject()
                .put("http", "http://127.0.0.1:" + port + "/health")
                .put("interval", "200ms"))
        .put("stopTimeout", "3s");
  }

  private JsonObject awaitDeployment(String id, String state) {
    return sup.awaitDeployment(
        id, deployment -> state.equals(deployment.getString("state")), "becomes " + state);
  }

  private List<String> lines(String id) {
    return sup
        .request(
            Addresses.SUPERVISOR_DEPLOYMENTS_LOGS,
            new JsonObject().put("id", id).put("limit", 1000))
        .getJsonArray("lines")
        .stream()
        .map(l -> ((JsonObject) l).getString("line"))
        .toList();
  }

  @Test
  void stepsRunThenTheServiceRestartsHealthy() {
    List<JsonObject> statuses = new CopyOnWriteArrayList<>();
    sup.vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.DEPLOYMENTS_STATUS, m -> statuses.add(m.body()))
        .completion()
        .await();
    int before = sup.service("model").getInteger("pid");
    JsonObject queued =
        sup.request(
            Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
            new JsonObject()
                .put("service", "model")
                .put(
                    "steps",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("name", "pull")
                                .put("command", new JsonArray().add("echo").add("pulling")))
                        .add(
                            new JsonObject()
                                .put("name", "build")
                                .put("shell", true)
                                .put("command", "echo building; echo warn >&2"))));
    String id = queued.getString("id");
    assertThat(queued.getInteger("totalSteps")).isEqualTo(2);

    JsonObject done = awaitDeployment(id, "succeeded");
    assertThat(done.getJsonArray("steps").getJsonObject(1).getString("state"))
        .isEqualTo("succeeded");
    assertThat(done.getJsonArray("steps").getJsonObject(1).getInteger("exit")).isZero();
    assertThat(lines(id)).contains("pulling", "building", "warn", "[switchboard] model is healthy");
    JsonObject model = sup.awaitState("model", "running", Duration.ofSeconds(5));
    assertThat(model.getInteger("pid")).isNotEqualTo(before);
    // the end is stored before it is published: a read can see it first
    Eventually.within(Duration.ofSeconds(5))
        .alias("the succeeded status published")
        .until(
            () ->
                statuses.stream()
                    .anyMatch(status -> "succeeded".equals(status.getString("state"))));
    assertThat(statuses.stream().map(s -> s.getString("state") + ":" + s.getInteger("step")))
        .containsSubsequence("queued:0", "running:1", "running:2", "succeeded:2");
  }

  @Test
  void aFailedHealthGateRestoresThePreviousDefinition() {
    JsonObject broken = definition(new JsonArray().add("sleep").add("300"));
    broken.remove("name");
    JsonObject queued =
        sup.request(
            Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
            new JsonObject()
                .put("service", "model")
                .put("steps", new JsonArray().add(new JsonArray().add("true")))
                .put("definition", broken)
                .put("healthTimeout", "2s"));
    JsonObject rolledBack = awaitDeployment(queued.getString("id"), "rolled_back");
    assertThat(rolledBack.getString("reason"))
        .contains("health gate failed")
        .contains("previous definition was restored");
    JsonObject model = sup.awaitState("model", "running", Duration.ofSeconds(15));
    assertThat(model.getJsonArray("command").getString(0)).isNotEqualTo("sleep");
    assertThat(lines(queued.getString("id")))
        .anyMatch(l -> l.contains("restoring the previous definition"));
  }

  @Test
  void aRollbackWhoseRestartFailsSaysSo(@TempDir Path dir) throws IOException {
    // the service runs through a wrapper script that the deployment's step deletes: the previous
    // definition comes back, but its command is gone, so its restart fails
    Path wrapper = dir.resolve("wrapper.sh");
    Files.writeString(wrapper, "#!/bin/sh\nexec \"$@\"\n");
    assertThat(wrapper.toFile().setExecutable(true)).isTrue();
    sup.request(
        Addresses.SUPERVISOR_SERVICES_CREATE,
        new JsonObject()
            .put("name", "wrapped")
            .put("command", new JsonArray().add(wrapper.toString()).add("sleep").add("300"))
            .put("stopTimeout", "3s"));
    sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "wrapped"));
    sup.awaitState("wrapped", "running", Duration.ofSeconds(15));
    int nobody = FreePorts.freePort();
    JsonObject neverHealthy =
        new JsonObject()
            .put("command", new JsonArray().add("sleep").add("300"))
            .put("stopTimeout", "3s")
            .put(
                "health",
                new JsonObject()
                    .put("http", "http://127.0.0.1:" + nobody + "/health")
                    .put("interval", "200ms"));

    JsonObject queued =
        sup.request(
            Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
            new JsonObject()
                .put("service", "wrapped")
                .put(
                    "steps", new JsonArray().add(new JsonArray().add("rm").add(wrapper.toString())))
                .put("definition", neverHealthy)
                .put("healthTimeout", "2s"));

    JsonObject rolledBack = awaitDeployment(queued.getString("id"), "rolled_back");
    assertThat(rolledBack.getString("reason"))
        .startsWith("health gate failed")
        .contains("the previous definition was restored, but restarting it failed")
        .contains("command not found: " + wrapper)
        .doesNotContain("restored and restarted");
    JsonObject wrapped = sup.awaitState("wrapped", "failed", Duration.ofSeconds(5));
    assertThat(wrapped.getJsonArray("command").getString(0)).isEqualTo(wrapper.toString());
  }

  @Test
  void aFailingStepFailsTheDeploymentAndTheServiceIsLeftAlone() {
    int before = sup.service("model").getInteger("pid");
    JsonObject queued =
        sup.request(
            Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
            new JsonObject()
                .put("service", "model")
                .put(
                    "steps",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("name", "tests")
                                .put("shell", true)
                                .put("command", "echo 2 failed; exit 2"))));
    JsonObject failed = awaitDeployment(queued.getString("id"), "failed");
    assertThat(failed.getString("reason")).isEqualTo("step 1 (tests) exited with code 2");
    assertThat(sup.service("model").getInteger("pid")).isEqualTo(before);
  }

  @Test
  void deploymentsOfOneServiceQueueAndAQueuedOrRunningOneCanBeCancelled() {
    JsonObject slow =
        sup.request(
            Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
            new JsonObject()
                .put("service", "model")
                .put("steps", new JsonArray().add(new JsonArray().add("sleep").add("30"))));
    JsonObject next =
        sup.request(
            Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
            new JsonObject()
                .put("service", "model")
                .put("steps", new JsonArray().add(new JsonArray().add("true"))));
    awaitDeployment(slow.getString("id"), "running");
    assertThat(
            sup.request(
                    Addresses.SUPERVISOR_DEPLOYMENTS_GET,
                    new JsonObject().put("id", next.getString("id")))
                .getString("state"))
        .isEqualTo("queued");
    sup.request(
        Addresses.SUPERVISOR_DEPLOYMENTS_CANCEL, new JsonObject().put("id", next.getString("id")));
    assertThat(awaitDeployment(next.getString("id"), "cancelled").getString("reason"))
        .isEqualTo("cancelled while queued");
    sup.request(
        Addresses.SUPERVISOR_DEPLOYMENTS_CANCEL, new JsonObject().put("id", slow.getString("id")));
    JsonObject cancelled = awaitDeployment(slow.getString("id"), "cancelled");
    assertThat(cancelled.getJsonArray("steps").getJsonObject(0).getString("state"))
        .isEqualTo("cancelled");
    var again =
        sup.failure(
            Addresses.SUPERVISOR_DEPLOYMENTS_CANCEL,
            new JsonObject().put("id", slow.getString("id")));
    assertThat(again.status()).isEqualTo(409);
  }

  @Test
  void badDeploymentsAreRefusedNamingTheField() {
    JsonObject model = new JsonObject().put("service", "model");
    JsonObject argvTrue = new JsonObject().put("command", new JsonArray().add("true"));
    assertThat(refusedField(Addresses.SUPERVISOR_DEPLOYMENTS_CREATE, new JsonObject()))
        .isEqualTo("service");
    assertThat(refusedField(Addresses.SUPERVISOR_DEPLOYMENTS_CREATE, service("Not A Name")))
        .isEqualTo("service");
    assertThat(refusedField(Addresses.SUPERVISOR_DEPLOYMENTS_CREATE, service("nope")))
        .isEqualTo("service");
    assertThat(refusedField(Addresses.SUPERVISOR_DEPLOYMENTS_LIST, service("Not A Name")))
        .isEqualTo("service");
    assertThat(refusedField(model, new JsonObject().put("command", "not an argv")))
        .isEqualTo("steps[0].command");
    assertThat(
            refusedField(
                Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
                model.copy().put("healthTimeout", "forever")))
        .isEqualTo("healthTimeout");
    assertThat(refusedField(model, argvTrue.copy().put("timeout", 0)))
        .isEqualTo("steps[0].timeout");
    assertThat(refusedField(model, argvTrue.copy().put("name", "a\u0000b")))
        .isEqualTo("steps[0].name");
    assertThat(refusedField(Addresses.SUPERVISOR_DEPLOYMENTS_GET, new JsonObject().put("id", "x")))
        .isEqualTo("id");
    assertThat(
            sup.failure(Addresses.SUPERVISOR_DEPLOYMENTS_GET, new JsonObject().put("id", "999"))
                .status())
        .isEqualTo(404);
  }

  private static JsonObject service(String name) {
    return new JsonObject().put("service", name);
  }

  /** The field a deployment of {@code base} with this one step is refused for. */
  private String refusedField(JsonObject base, JsonObject step) {
    return refusedField(
        Addresses.SUPERVISOR_DEPLOYMENTS_CREATE,
        base.copy().put("steps", new JsonArray().add(step)));
  }

  private String refusedField(String address, JsonObject body) {
    return sup.failure(address, body).field();
  }
}
