package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the host sends a server, seen by a small probe server (src/test/node/probe-server.mjs): a
 * client's cancellation reaches the server with the server's own id for the request, and a request
 * of the server to a client is answered with an error naming it.
 */
class ProbeTest {

  private static final Path PROBE = Path.of("src/test/node/probe-server.mjs").toAbsolutePath();
  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private String session() throws Exception {
    fixture =
        new McpFixture()
            .start(
                new JsonObject()
                    .put("name", "probe")
                    .put("command", new JsonArray().add("node").add(PROBE.toString())));
    HttpResponse<String> init =
        fixture.post(
            "/mcp/probe", null, McpFixture.initialize(1), "Authorization", "Bearer " + TOKEN);
    assertThat(init.statusCode()).isEqualTo(200);
    return init.headers().firstValue(StreamableHttp.SESSION).orElseThrow();
  }

  @Test
  void mcpServersListsEveryPageOfAServersTools() throws Exception {
    fixture =
        new McpFixture()
            .start(
                new JsonObject()
                    .put("name", "probe")
                    .put(
                        "command", new JsonArray().add("node").add(PROBE.toString()).add("paged")));
    // an instance running: mcp:servers lists the tools of running instances only
    assertThat(
            fixture
                .post(
                    "/mcp/probe",
                    null,
                    McpFixture.initialize(1),
                    "Authorization",
                    "Bearer " + TOKEN)
                .statusCode())
        .isEqualTo(200);
    JsonObject probe =
        fixture
            .ask(Addresses.MCP_SOCKET_SERVERS, new JsonObject())
            .getJsonArray("servers")
            .getJsonObject(0);
    assertThat(
            probe.getJsonArray("tools").stream()
                .map(tool -> ((JsonObject) tool).getString("name"))
                .toList())
        .as("both pages of the probe's tools/list")
        .containsExactly("hold", "ask", "echo");
  }

  @Test
  void aCancellationReachesTheServerWithItsOwnId() throws Exception {
    String session = session();
    LinkedBlockingQueue<JsonObject> stream = openStream(session);
    CompletableFuture<HttpResponse<String>> held =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return fixture.post(
                    "/mcp/probe",
                    session,
                    McpFixture.call("mine-7", "hold", new JsonObject()),
                    "Authorization",
                    "Bearer " + TOKEN);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        fixture
                            .ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", "probe"))
                            .getJsonArray("instances")
                            .getJsonObject(0)
                            .getInteger("inFlight"))
                    .isEqualTo(1));
    JsonObject cancel =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("method", "notifications/cancelled")
            .put("params", new JsonObject().put("requestId", "mine-7").put("reason", "test"));
    assertThat(
            fixture
                .post("/mcp/probe", session, cancel, "Authorization", "Bearer " + TOKEN)
                .statusCode())
        .isEqualTo(202);

    JsonObject logged = stream.poll(10, TimeUnit.SECONDS);
    assertThat(logged)
        .as("the probe's log of the cancellation, on the session's stream")
        .isNotNull();
    JsonObject data = logged.getJsonObject("params").getJsonObject("data");
    // the server got the id it knows (the host's), not the client's
    assertThat(data.getValue("cancelled")).isNotEqualTo("mine-7");
    assertThat(data.getBoolean("known")).isTrue();
    // and the client's request ends instead of hanging
    JsonObject answer = new JsonObject(held.get(10, TimeUnit.SECONDS).body());
    assertThat(answer.getValue("id")).isEqualTo("mine-7");
    assertThat(answer.getJsonObject("error").getInteger("code")).isEqualTo(-32800);
  }

  @Test
  void aRequestOfTheServerToAClientIsAnsweredWithAnError() throws Exception {
    String session = session();
    HttpResponse<String> answer =
        fixture.post(
            "/mcp/probe",
            session,
            McpFixture.call(3, "ask", new JsonObject()),
            "Authorization",
            "Bearer " + TOKEN);
    JsonObject result = new JsonObject(answer.body());
    String text =
        result.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text");
    JsonObject error = new JsonObject(text);
    assertThat(error.getInteger("code")).isEqualTo(-32601);
    assertThat(error.getString("message")).startsWith("no client can take sampling/createMessage");
  }

  @Test
  void aKilledInstanceAnswersItsCallsWithTheReasonAndTheNextCallStartsAnother() throws Exception {
    String session = session();
    CompletableFuture<HttpResponse<String>> held =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return fixture.post(
                    "/mcp/probe",
                    session,
                    McpFixture.call(11, "hold", new JsonObject()),
                    "Authorization",
                    "Bearer " + TOKEN);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    JsonObject[] instance = new JsonObject[1];
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              instance[0] =
                  fixture
                      .ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", "probe"))
                      .getJsonArray("instances")
                      .getJsonObject(0);
              assertThat(instance[0].getInteger("inFlight")).isEqualTo(1);
            });
    long pid = instance[0].getLong("pid");
    assertThat(new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor()).isZero();

    JsonObject answer = new JsonObject(held.get(10, TimeUnit.SECONDS).body());
    assertThat(answer.getValue("id")).isEqualTo(11);
    assertThat(answer.getJsonObject("error").getString("message"))
        .isEqualTo("MCP server probe exited with code 137 while this request was in flight");
    // the session goes on, on a new instance
    HttpResponse<String> next =
        fixture.post(
            "/mcp/probe",
            session,
            McpFixture.call(12, "ask", new JsonObject()),
            "Authorization",
            "Bearer " + TOKEN);
    assertThat(new JsonObject(next.body()).getJsonObject("result")).isNotNull();
    long newPid =
        fixture
            .ask(Addresses.MCP_SERVERS_GET, new JsonObject().put("name", "probe"))
            .getJsonArray("instances")
            .getJsonObject(0)
            .getLong("pid");
    assertThat(newPid).isNotEqualTo(pid);
  }

  /** Opens the session's GET stream; its messages arrive in the queue. */
  private LinkedBlockingQueue<JsonObject> openStream(String session) throws Exception {
    LinkedBlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.port + "/mcp/probe"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Accept", "text/event-stream")
            .header(StreamableHttp.SESSION, session)
            .GET()
            .build();
    HttpResponse<InputStream> response =
        McpFixture.HTTP.send(get, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  if (line.startsWith("data: ")) {
                    messages.add(new JsonObject(line.substring(6)));
                  }
                }
              } catch (Exception closed) {
                // the test is over
              }
            });
    reader.setDaemon(true);
    reader.start();
    return messages;
  }
}
