package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SSE resumption (MCP 2025-06-18, "Resumability and Redelivery"): a client whose connection drops
 * in the middle of server-everything's {@code longRunningOperation} resumes the call's stream with
 * a GET and {@code Last-Event-ID}, and gets what it missed then the rest; an id older than the
 * session's replay buffer is refused naming the header. The first request is sent over a raw
 * socket, closed after the first progress event.
 */
class ResumptionTest {

  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** The call, with a progress token. */
  private static JsonObject longRunning(int seconds, int steps) {
    JsonObject call =
        McpFixture.call(
            7,
            "longRunningOperation",
            new JsonObject().put("duration", seconds).put("steps", steps));
    call.getJsonObject("params").put("_meta", new JsonObject().put("progressToken", "p"));
    return call;
  }

  /**
   * POSTs {@code message} over a raw socket, reads its SSE stream up to the first event and drops
   * the connection; the first event's id.
   */
  private String postAndDropAfterFirstEvent(String session, JsonObject message) throws Exception {
    byte[] body = message.encode().getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", fixture.port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /mcp/everything HTTP/1.1\r\n"
                  + "Host: 127.0.0.1\r\n"
                  + "Authorization: Bearer "
                  + TOKEN
                  + "\r\n"
                  + "Accept: application/json, text/event-stream\r\n"
                  + "Content-Type: application/json\r\n"
                  + StreamableHttp.SESSION
                  + ": "
                  + session
                  + "\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      socket.setSoTimeout(10_000);
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          return line.substring(4); // the connection is closed here, mid-stream
        }
      }
      throw new AssertionError("the stream ended without an event");
    }
  }

  @Test
  void aDroppedCallStreamIsResumedWithWhatWasMissedThenTheRest() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    String session = fixture.session("everything");
    String first = postAndDropAfterFirstEvent(session, longRunning(3, 6));
    // let some progress happen while the client is away
    Thread.sleep(1200);
    LinkedBlockingQueue<McpFixture.Event> resumed =
        fixture.getSse("/mcp/everything", session, StreamableHttp.LAST_EVENT_ID, first);
    List<McpFixture.Event> events = new ArrayList<>();
    McpFixture.Event event;
    do {
      event = resumed.poll(15, TimeUnit.SECONDS);
      assertThat(event).as("events after " + first + ": " + events).isNotNull();
      events.add(event);
    } while (!event.message().containsKey("result"));
    String stream = first.substring(0, first.indexOf('-'));
    long last = Long.parseLong(first.substring(first.indexOf('-') + 1));
    List<Integer> progress = new ArrayList<>();
    for (McpFixture.Event e : events) {
      // the same stream, in order, none before the client's last
      assertThat(e.id()).startsWith(stream + "-");
      long seq = Long.parseLong(e.id().substring(e.id().indexOf('-') + 1));
      assertThat(seq).isGreaterThan(last);
      last = seq;
      if ("notifications/progress".equals(e.message().getString("method"))) {
        progress.add(e.message().getJsonObject("params").getInteger("progress"));
      }
    }
    // the first progress (1) came before the drop: 2 to 6 came after, none lost, none twice
    assertThat(progress).containsExactly(2, 3, 4, 5, 6);
    assertThat(events.get(events.size() - 1).message().getValue("id")).isEqualTo(7);
  }

  @Test
  void anIdOlderThanTheReplayBufferIsRefusedNamingTheHeader() throws Exception {
    fixture =
        new McpFixture()
            .with("replayEvents", 2)
            .start(McpFixture.everything("everything", "shared"));
    String session = fixture.session("everything");
    String first = postAndDropAfterFirstEvent(session, longRunning(1, 5));
    Eventually.within(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        fixture
                            .ask(
                                Addresses.MCP_SERVERS_GET,
                                new JsonObject().put("name", "everything"))
                            .getJsonArray("instances")
                            .getJsonObject(0)
                            .getInteger("inFlight"))
                    .isZero());
    HttpResponse<String> refused =
        McpFixture.HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + fixture.port + "/mcp/everything"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Accept", "text/event-stream")
                .header(StreamableHttp.SESSION, session)
                .header(StreamableHttp.LAST_EVENT_ID, first)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonObject problem = new JsonObject(refused.body());
    assertThat(problem.getString("detail"))
        .startsWith("Last-Event-ID " + first + " is older than this session's replay buffer");
    assertThat(problem.encode()).contains(StreamableHttp.LAST_EVENT_ID);
  }
}
