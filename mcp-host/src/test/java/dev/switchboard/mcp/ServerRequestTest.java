package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests a server makes of a client (sampling, elicitation, roots) go to the session that caused
 * them, by the rule of {@code Host.toClient}: the real server-everything asking the official Java
 * SDK for sampling, and the probe server (src/test/node/probe-server.mjs) showing what the server
 * gets back when no session, or more than one, could take the request, or when the client does not
 * answer.
 */
class ServerRequestTest {

  private static final Path PROBE = Path.of("src/test/node/probe-server.mjs").toAbsolutePath();
  private static final JsonObject SAMPLING = new JsonObject().put("sampling", new JsonObject());

  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static JsonObject probe() {
    return new JsonObject()
        .put("name", "probe")
        .put("command", new JsonArray().add("node").add(PROBE.toString()));
  }

  @Test
  void serverEverythingsSamplingReachesTheJavaSdkClientThatCalledTheTool() {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    // a second client without sampling on the same instance: it must not get the request
    McpSyncClient bystander = fixture.client("everything", null, null);
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + fixture.port)
            .endpoint("/mcp/everything")
            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + TOKEN))
            .build();
    McpSyncClient sampler =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(30))
            .capabilities(McpSchema.ClientCapabilities.builder().sampling().build())
            .sampling(
                asked ->
                    McpSchema.CreateMessageResult.builder()
                        .role(McpSchema.Role.ASSISTANT)
                        .content(
                            new McpSchema.TextContent(
                                "sampled: "
                                    + ((McpSchema.TextContent) asked.messages().get(0).content())
                                        .text()))
                        .model("test-model")
                        .build())
            .build();
    try {
      sampler.initialize();
      McpSchema.CallToolResult result =
          sampler.callTool(
              new McpSchema.CallToolRequest(
                  "sampleLLM", Map.of("prompt", "the weather", "maxTokens", 10)));
      String text = ((McpSchema.TextContent) result.content().get(0)).text();
      assertThat(text).contains("sampled: Resource sampleLLM context: the weather");
      assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
    } finally {
      sampler.closeGracefully();
      bystander.closeGracefully();
    }
  }

  @Test
  void theRequestGoesOnTheCallsStreamWithAnIdOfTheHostsAndTheAnswerBackWithTheServers()
      throws Exception {
    fixture = new McpFixture().start(probe());
    String other = fixture.session("/mcp/probe", SAMPLING);
    LinkedBlockingQueue<McpFixture.Event> othersStream = fixture.getSse("/mcp/probe", other);
    String session = fixture.session("/mcp/probe", SAMPLING);
    // the other session is idle: only this one has a request in flight, so it is the one asked
    LinkedBlockingQueue<McpFixture.Event> call =
        fixture.postSse("/mcp/probe", session, McpFixture.call(5, "ask", new JsonObject()));
    McpFixture.Event asked = call.poll(10, TimeUnit.SECONDS);
    assertThat(asked).as("the sampling request on the call's stream").isNotNull();
    assertThat(asked.message().getString("method")).isEqualTo("sampling/createMessage");
    Object id = asked.message().getValue("id");
    // the probe's own id (ask-1) is not shown to the client
    assertThat(id).isNotEqualTo("ask-1");
    JsonObject reply =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", id)
            .put(
                "result",
                new JsonObject()
                    .put("role", "assistant")
                    .put("model", "m")
                    .put("content", new JsonObject().put("type", "text").put("text", "hi")));
    assertThat(fixture.post("/mcp/probe", session, reply, "Authorization", "Bearer " + TOKEN))
        .extracting(r -> r.statusCode())
        .isEqualTo(202);
    McpFixture.Event answer = call.poll(10, TimeUnit.SECONDS);
    assertThat(answer).isNotNull();
    assertThat(answer.message().getValue("id")).isEqualTo(5);
    String text =
        answer
            .message()
            .getJsonObject("result")
            .getJsonArray("content")
            .getJsonObject(0)
            .getString("text");
    // the probe answers the call with what came back for its id: the client's result
    assertThat(new JsonObject(text).getJsonObject("content").getString("text")).isEqualTo("hi");
    assertThat(othersStream.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void twoSessionsWithRequestsInFlightAreAnAmbiguityTheServerIsToldAbout() throws Exception {
    fixture = new McpFixture().start(probe());
    String one = fixture.session("/mcp/probe", SAMPLING);
    String two = fixture.session("/mcp/probe", SAMPLING);
    fixture.postSse("/mcp/probe", two, McpFixture.call(1, "hold", new JsonObject()));
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
    JsonObject answer =
        new JsonObject(
            fixture
                .post(
                    "/mcp/probe",
                    one,
                    McpFixture.call(2, "ask", new JsonObject()),
                    "Authorization",
                    "Bearer " + TOKEN)
                .body());
    JsonObject error =
        new JsonObject(
            answer
                .getJsonObject("result")
                .getJsonArray("content")
                .getJsonObject(0)
                .getString("text"));
    assertThat(error.getInteger("code")).isEqualTo(-32603);
    assertThat(error.getString("message"))
        .startsWith("cannot tell which client should take sampling/createMessage: 2 sessions");
  }

  @Test
  void aClientThatNeverAnswersIsCancelledAndTheServerGetsAnError() throws Exception {
    fixture = new McpFixture().with("clientRequestTimeout", 500L).start(probe());
    String session = fixture.session("/mcp/probe", SAMPLING);
    LinkedBlockingQueue<McpFixture.Event> stream = fixture.getSse("/mcp/probe", session);
    LinkedBlockingQueue<McpFixture.Event> call =
        fixture.postSse("/mcp/probe", session, McpFixture.call(9, "ask", new JsonObject()));
    McpFixture.Event asked = call.poll(10, TimeUnit.SECONDS);
    assertThat(asked.message().getString("method")).isEqualTo("sampling/createMessage");
    McpFixture.Event answer = call.poll(10, TimeUnit.SECONDS);
    assertThat(answer).as("the call's answer after the timeout").isNotNull();
    JsonObject error = answered(answer);
    assertThat(error.getString("message"))
        .isEqualTo("the client did not answer sampling/createMessage within 500ms");
    McpFixture.Event cancelled = stream.poll(10, TimeUnit.SECONDS);
    assertThat(cancelled.message().getString("method")).isEqualTo("notifications/cancelled");
    assertThat(cancelled.message().getJsonObject("params").getValue("requestId"))
        .isEqualTo(asked.message().getValue("id"));
  }

  /** The text of a tool call's first content item, parsed: what the probe got back. */
  private static JsonObject answered(McpFixture.Event answer) {
    return new JsonObject(
        answer
            .message()
            .getJsonObject("result")
            .getJsonArray("content")
            .getJsonObject(0)
            .getString("text"));
  }

  @Test
  void elicitationGoesToTheSessionThatDeclaredItAndCausedItAndRootsToNoneThatDidNot()
      throws Exception {
    fixture = new McpFixture().start(probe());
    String sampler = fixture.session("/mcp/probe", SAMPLING);
    LinkedBlockingQueue<McpFixture.Event> samplersStream = fixture.getSse("/mcp/probe", sampler);
    String asker =
        fixture.session("/mcp/probe", new JsonObject().put("elicitation", new JsonObject()));

    // elicitation: the asker alone declared it, and its call caused it
    LinkedBlockingQueue<McpFixture.Event> call =
        fixture.postSse(
            "/mcp/probe",
            asker,
            McpFixture.call(21, "ask", new JsonObject().put("method", "elicitation/create")));
    McpFixture.Event asked = call.poll(10, TimeUnit.SECONDS);
    assertThat(asked).as("the elicitation on the asker's call stream").isNotNull();
    assertThat(asked.message().getString("method")).isEqualTo("elicitation/create");
    assertThat(asked.message().getJsonObject("params").getString("message"))
        .isEqualTo("Your name?");
    JsonObject accept =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", asked.message().getValue("id"))
            .put(
                "result",
                new JsonObject()
                    .put("action", "accept")
                    .put("content", new JsonObject().put("name", "Ada")));
    assertThat(fixture.post("/mcp/probe", asker, accept, "Authorization", "Bearer " + TOKEN))
        .extracting(r -> r.statusCode())
        .isEqualTo(202);
    JsonObject elicited = answered(call.poll(10, TimeUnit.SECONDS));
    assertThat(elicited.getString("action")).isEqualTo("accept");
    assertThat(elicited.getJsonObject("content").getString("name")).isEqualTo("Ada");

    // roots: no session declared them; the server is told so, and no client is asked
    JsonObject error =
        answered(
            fixture
                .postSse(
                    "/mcp/probe",
                    asker,
                    McpFixture.call(22, "ask", new JsonObject().put("method", "roots/list")))
                .poll(10, TimeUnit.SECONDS));
    assertThat(error.getString("message")).contains("roots/list").contains("roots");
    assertThat(samplersStream.poll(300, TimeUnit.MILLISECONDS))
        .as("nothing for the session that declared neither")
        .isNull();
  }
}
