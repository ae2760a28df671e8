package dev.switchboard.app;

import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Prometheus (Debian's {@code prometheus}) scraping one Switchboard with {@code
 * deploy/prometheus/prometheus-one-jvm.yml} and its rules (the port, the token file and a 1 s
 * interval put in), asked through its HTTP API for what this test did: the hub connections of the
 * clients it connected, the emits per second it posted, the host CPU, and the managed services by
 * state after it started one. Prometheus runs under {@code timeout}: it ends by itself after {@link
 * #PROMETHEUS_LIFETIME} even if this JVM dies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusIT {

  private static final String ADMIN = "prometheus-admin-" + UUID.randomUUID();
  private static final String EMIT = "prometheus-emit-" + UUID.randomUUID();
  private static final Duration PROMETHEUS_LIFETIME = Duration.ofSeconds(60);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int CLIENTS = 3;
  private static final int EMITS_PER_SECOND = 20;
  private static final int EMIT_SECONDS = 5;

  private final Processes processes = new Processes();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<WebSocket> sockets = new ArrayList<>();
  @TempDir static Path temp;
  private int gatewayPort;
  private int hubPort;
  private PrometheusServer prometheus;

  @BeforeAll
  void start() throws Exception {
    Tools.require(Tools.PROMETHEUS, "prometheus");
    gatewayPort = freePort();
    hubPort = freePort();
    SwitchboardProcess one =
        processes.start(
            SwitchboardProcess.builder("prometheus")
                .dataDir(dataDir(temp, "data"))
                .env("GATEWAY_PORT", gatewayPort)
                .env("HUB_PORT", hubPort)
                .env("FILES_PORT", freePort())
                .env("ADMIN_TOKEN", ADMIN)
                .env("EMIT_TOKEN", EMIT));
    one.awaitReady("http://127.0.0.1:" + gatewayPort, ADMIN);

    Path config =
        PrometheusServer.config(
            temp.resolve("prometheus"),
            "prometheus-one-jvm.yml",
            ADMIN,
            Map.of("\"127.0.0.1:3006\"", "\"127.0.0.1:" + gatewayPort + "\""));
    prometheus = PrometheusServer.start(temp, config, PROMETHEUS_LIFETIME);
  }

  @AfterAll
  void stop() {
    sockets.forEach(WebSocket::abort);
    if (prometheus != null) {
      prometheus.close();
    }
    processes.close();
  }

  @Test
  void everyTargetIsScraped() {
    JsonArray up = prometheus.awaitResult("up{job=\"switchboard\"} == 1", r -> r.size() == 1);
    assertThat(up.getJsonObject(0).getJsonObject("metric").getString("process")).isEqualTo("all");
  }

  @Test
  void theHubConnectionsOfTheClientsConnected() throws Exception {
    for (int i = 0; i < CLIENTS; i++) {
      sockets.add(connect());
    }
    prometheus.awaitValue("sum(switchboard_hub_ws_connections{namespace=\"/system\"})", CLIENTS);
    sockets.remove(0).abort();
    prometheus.awaitValue(
        "sum(switchboard_hub_ws_connections{namespace=\"/system\"})", CLIENTS - 1);
  }

  @Test
  void theEmitsPerSecondPosted() throws Exception {
    double before = prometheus.value("sum(switchboard_hub_emits_total)");
    double startedAt =
        PrometheusServer.paced(
            EMITS_PER_SECOND,
            EMIT_SECONDS,
            i -> {
              HttpResponse<String> emitted =
                  client.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hubPort + "/emit"))
                          .header("Authorization", "Bearer " + EMIT)
                          .header("Content-Type", "application/json")
                          .POST(
                              HttpRequest.BodyPublishers.ofString(
                                  "{\"namespace\":\"/system\",\"event\":\"prometheus\","
                                      + "\"data\":{\"i\":"
                                      + i
                                      + "}}"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              assertThat(emitted.statusCode()).as(emitted.body()).isEqualTo(202);
            });
    prometheus.awaitValue(
        "sum(switchboard_hub_emits_total)", before + EMITS_PER_SECOND * EMIT_SECONDS);
    double rate =
        prometheus.rateInTheMiddle("switchboard_hub_emits_total", startedAt, EMIT_SECONDS);
    assertThat(rate)
        .as("emits per second in the middle of the posting (posting %d/s)", EMITS_PER_SECOND)
        .isBetween(EMITS_PER_SECOND * 0.7, EMITS_PER_SECOND * 1.3);
  }

  @Test
  void theHostCpu() throws IOException {
    JsonArray cpu = prometheus.awaitResult("switchboard_host_cpu_usage_ratio", r -> r.size() == 1);
    double ratio = Double.parseDouble(cpu.getJsonObject(0).getJsonArray("value").getString(1));
    assertThat(ratio).as("host CPU, 0-1").isBetween(0.0, 1.0);
    // one core's figures come with it, as many as the kernel counts (the JVM's count may be a
    // container's share)
    long cores =
        Files.readAllLines(Path.of("/proc/stat")).stream()
            .filter(line -> line.matches("cpu[0-9]+ .*"))
            .count();
    prometheus.awaitResult("switchboard_host_cpu_core_usage_ratio", r -> r.size() == cores);
  }

  @Test
  void theManagedServicesByStateAfterOneIsStarted() throws Exception {
    JsonObject definition =
        new JsonObject()
            .put("name", "prom-sleeper")
            .put("command", new JsonArray().add("sleep").add("300"))
            .put("restart", "no");
    assertThat(api("POST", "/api/v1/services", definition.encode()).statusCode()).isEqualTo(201);
    prometheus.awaitValue("switchboard_supervisor_services{state=\"stopped\"}", 1);
    prometheus.awaitValue("switchboard_supervisor_services{state=\"running\"}", 0);

    HttpResponse<String> started = api("POST", "/api/v1/services/prom-sleeper/start", "");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
    prometheus.awaitValue("switchboard_supervisor_services{state=\"running\"}", 1);
    prometheus.awaitValue("switchboard_supervisor_services{state=\"stopped\"}", 0);
    prometheus.awaitValue("sum(switchboard_supervisor_services)", 1);
  }

  // ---- Switchboard ----

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> api(String method, String path, String body)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A Socket.IO client on {@code /system} over a websocket, speaking the protocol itself as
   * ProductionIT's does (Engine.IO 4: open, namespace connect with the token, pong to each ping).
   */
  private WebSocket connect() throws Exception {
    BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    WebSocket socket =
        client
            .newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .buildAsync(
                URI.create("ws://127.0.0.1:" + hubPort + "/socket.io/?EIO=4&transport=websocket"),
                new WebSocket.Listener() {
                  private final StringBuilder text = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      String message = text.toString();
                      text.setLength(0);
                      if (message.equals("2")) {
                        ws.sendText("3", true);
                      } else {
                        messages.add(message);
                      }
                    }
                    ws.request(1);
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);
    assertThat(messages.poll(10, TimeUnit.SECONDS)).as("the open packet").startsWith("0{");
    socket.sendText("40/system,{\"token\":\"" + ADMIN + "\"}", true).get(5, TimeUnit.SECONDS);
    assertThat(messages.poll(10, TimeUnit.SECONDS))
        .as("the namespace's connect answer")
        .startsWith("40/system,{\"sid\":");
    return socket;
  }
}
