package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A slow client never stalls the others: one session's GET stream is never read (its TCP receive
 * window fills, then the host's write queue for it), while the probe server floods every session
 * with logging notifications; another session of the same instance gets every notification and its
 * calls answered, and the slow session's notifications are dropped and counted.
 */
class SlowClientTest {

  private static final Path PROBE = Path.of("src/test/node/probe-server.mjs").toAbsolutePath();
  private static final int COUNT = 5000;

  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aStreamNobodyReadsLosesItsNotificationsWhileAnotherSessionGetsAllOfItsOwn()
      throws Exception {
    fixture =
        new McpFixture()
            .start(
                new JsonObject()
                    .put("name", "probe")
                    .put("command", new JsonArray().add("node").add(PROBE.toString())));
    String slow = fixture.session("probe");
    String fast = fixture.session("probe");
    double droppedBefore = dropped();
    try (Socket unread = new Socket()) {
      unread.setReceiveBufferSize(4096);
      unread.connect(new InetSocketAddress("127.0.0.1", fixture.port));
      OutputStream out = unread.getOutputStream();
      out.write(
          ("GET /mcp/probe HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + TOKEN
                  + "\r\nAccept: text/event-stream\r\n"
                  + StreamableHttp.SESSION
                  + ": "
                  + slow
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // never read from here on
      LinkedBlockingQueue<McpFixture.Event> stream = fixture.getSse("/mcp/probe", fast);
      CompletableFuture<HttpResponse<String>> flood =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return fixture.post(
                      "/mcp/probe",
                      fast,
                      McpFixture.call(
                          "flood", "flood", new JsonObject().put("count", COUNT).put("size", 1000)),
                      "Authorization",
                      "Bearer " + TOKEN);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      // calls of the other session are answered all along
      int calls = 0;
      while (!flood.isDone()) {
        long started = System.nanoTime();
        HttpResponse<String> echoed =
            fixture.post(
                "/mcp/probe",
                fast,
                McpFixture.call(calls, "echo", new JsonObject()),
                "Authorization",
                "Bearer " + TOKEN);
        assertThat(new JsonObject(echoed.body()).getValue("id")).isEqualTo(calls);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
            .as("an echo call while the other session's stream is stuck")
            .isLessThan(5_000);
        calls++;
      }
      assertThat(new JsonObject(flood.get(30, TimeUnit.SECONDS).body()).getJsonObject("result"))
          .isNotNull();
      assertThat(calls).isPositive();
      // every notification reached the session that reads its stream, in order, none twice
      BitSet seen = new BitSet(COUNT);
      int expected = 0;
      while (expected < COUNT) {
        McpFixture.Event event = stream.poll(20, TimeUnit.SECONDS);
        assertThat(event).as("notification " + expected + " of " + COUNT).isNotNull();
        JsonObject data = event.message().getJsonObject("params").getJsonObject("data");
        if (data != null && data.containsKey("n")) {
          assertThat(data.getInteger("n")).isEqualTo(expected);
          seen.set(expected++);
        }
      }
      assertThat(seen.cardinality()).isEqualTo(COUNT);
      // the unread stream's were dropped once its write queue filled, and counted
      assertThat(dropped() - droppedBefore).isPositive();
    }
  }

  private static double dropped() {
    var counter =
        Telemetry.registry().find(Telemetry.PREFIX + "mcp.notifications.dropped").counter();
    return counter == null ? 0 : counter.count();
  }
}
