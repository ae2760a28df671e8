package dev.switchboard.app;

import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.app.SwitchboardProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
  private String prometheusUrl;
  private Process prometheus;
  private Path prometheusLog;

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

    int port = freePort();
    Path config = scrapeConfig(temp.resolve("prometheus"), gatewayPort);
    prometheusLog = temp.resolve("prometheus.log");
    prometheus =
        new ProcessBuilder(
                "timeout",
                PROMETHEUS_LIFETIME.toSeconds() + "s",
                Tools.PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(temp.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(prometheusLog.toFile())
            .start();
    prometheusUrl = "http://127.0.0.1:" + port;
    Eventually.within(WAIT)
        .alias("Prometheus ready")
        .ignoreExceptionsInstanceOf(IOException.class)
        .failFast(
            () -> {
              if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited:\n" + Files.readString(prometheusLog));
              }
            })
        .until(() -> get(prometheusUrl + "/-/ready").statusCode() == 200);
  }

  @AfterAll
  void stop() throws IOException {
    sockets.forEach(WebSocket::abort);
    if (prometheus != null) {
      prometheus.destroy();
      try {
        if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        prometheus.destroyForcibly();
      }
    }
    processes.close();
  }

  /**
   * {@code prometheus-one-jvm.yml} and {@code switchboard-rules.yml} copied to {@code dir}, with
   * this Switchboard's port, a token file here and a 1 s scrape and evaluation interval; each
   * replacement must find what it replaces, so a change to the file fails here, not silently.
   */
  static Path scrapeConfig(Path dir, int port) throws IOException {
    Path prometheus = DeployFilesTest.DEPLOY.resolve("prometheus");
    Files.createDirectories(dir);
    Files.copy(prometheus.resolve("switchboard-rules.yml"), dir.resolve("switchboard-rules.yml"));
    Path token = Files.writeString(dir.resolve("switchboard.token"), ADMIN);
    String text = Files.readString(prometheus.resolve("prometheus-one-jvm.yml"));
    text = replace(text, "scrape_interval: 15s", "scrape_interval: 1s");
    text = replace(text, "evaluation_interval: 15s", "evaluation_interval: 1s");
    text = replace(text, "/etc/prometheus/switchboard.token", token.toString());
    text = replace(text, "\"127.0.0.1:3006\"", "\"127.0.0.1:" + port + "\"");
    return Files.writeString(dir.resolve("prometheus.yml"), text);
  }

  private static String replace(String text, String from, String to) {
    assertThat(text).as("prometheus-one-jvm.yml").contains(from);
    return text.replace(from, to);
  }

  @Test
  void everyTargetIsScraped() {
    JsonArray up = awaitResult("up{job=\"switchboard\"} == 1", r -> r.size() == 1);
    assertThat(up.getJsonObject(0).getJsonObject("metric").getString("process")).isEqualTo("all");
  }

  @Test
  void theHubConnectionsOfTheClientsConnected() throws Exception {
    for (int i = 0; i < CLIENTS; i++) {
      sockets.add(connect());
    }
    awaitValue("sum(switchboard_hub_ws_connections{namespace=\"/system\"})", CLIENTS);
    sockets.remove(0).abort();
    awaitValue("sum(switchboard_hub_ws_connections{namespace=\"/system\"})", CLIENTS - 1);
  }

  @Test
  void theEmitsPerSecondPosted() throws Exception {
    double before = value("sum(switchboard_hub_emits_total)");
    long started = System.nanoTime();
    int total = EMITS_PER_SECOND * EMIT_SECONDS;
    for (int i = 0; i < total; i++) {
      long due = started + TimeUnit.MILLISECONDS.toNanos(i * 1000L / EMITS_PER_SECOND);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      HttpResponse<String> emitted =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hubPort + "/emit"))
                  .header("Authorization", "Bearer " + EMIT)
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"namespace\":\"/system\",\"event\":\"prometheus\",\"data\":{\"i\":"
                              + i
                              + "}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(emitted.statusCode()).as(emitted.body()).isEqualTo(202);
    }
    double startedAt = epochSeconds() - (System.nanoTime() - started) / 1e9;
    awaitValue("sum(switchboard_hub_emits_total)", before + total);
    // the rate over 3 s in the middle of the posting, when every sample of the window is in it
    double middle = startedAt + EMIT_SECONDS / 2.0 + 1;
    double rate = value("sum(rate(switchboard_hub_emits_total[3s]))", middle);
    assertThat(rate)
        .as("emits per second at %.1f (posting %d/s)", middle, EMITS_PER_SECOND)
        .isBetween(EMITS_PER_SECOND * 0.7, EMITS_PER_SECOND * 1.3);
  }

  @Test
  void theHostCpu() throws IOException {
    JsonArray cpu = awaitResult("switchboard_host_cpu_usage_ratio", r -> r.size() == 1);
    double ratio = Double.parseDouble(cpu.getJsonObject(0).getJsonArray("value").getString(1));
    assertThat(ratio).as("host CPU, 0-1").isBetween(0.0, 1.0);
    // one core's figures come with it, as many as the kernel counts (the JVM's count may be a
    // container's share)
    long cores =
        Files.readAllLines(Path.of("/proc/stat")).stream()
            .filter(line -> line.matches("cpu[0-9]+ .*"))
            .count();
    awaitResult("switchboard_host_cpu_core_usage_ratio", r -> r.size() == cores);
  }

  @Test
  void theManagedServicesByStateAfterOneIsStarted() throws Exception {
    JsonObject definition =
        new JsonObject()
            .put("name", "prom-sleeper")
            .put("command", new JsonArray().add("sleep").add("300"))
            .put("restart", "no");
    assertThat(api("POST", "/api/v1/services", definition.encode()).statusCode()).isEqualTo(201);
    awaitValue("switchboard_supervisor_services{state=\"stopped\"}", 1);
    awaitValue("switchboard_supervisor_services{state=\"running\"}", 0);

    HttpResponse<String> started = api("POST", "/api/v1/services/prom-sleeper/start", "");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
    awaitValue("switchboard_supervisor_services{state=\"running\"}", 1);
    awaitValue("switchboard_supervisor_services{state=\"stopped\"}", 0);
    awaitValue("sum(switchboard_supervisor_services)", 1);
  }

  // ---- Prometheus's HTTP API ----

  private void awaitValue(String query, double expected) {
    Eventually.within(WAIT)
        .alias(query + " == " + expected)
        .until(() -> valueOrNaN(query), v -> v == expected);
  }

  private JsonArray awaitResult(String query, java.util.function.Predicate<JsonArray> done) {
    return Eventually.within(WAIT).alias(query).until(() -> query(query, null), done);
  }

  private double value(String query) throws Exception {
    return value(query, null);
  }

  private double value(String query, Double time) throws Exception {
    JsonArray result = query(query, time);
    assertThat(result).as("%s at %s", query, time).hasSize(1);
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }

  private double valueOrNaN(String query) throws Exception {
    JsonArray result = query(query, null);
    return result.size() == 1
        ? Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1))
        : Double.NaN;
  }

  /** {@code /api/v1/query}: the vector, at {@code time} (epoch seconds) or now. */
  private JsonArray query(String query, Double time) throws Exception {
    String url =
        prometheusUrl
            + "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8)
            + (time == null ? "" : "&time=" + String.format("%.3f", time));
    HttpResponse<String> response = get(url);
    assertThat(response.statusCode()).as("%s: %s", url, response.body()).isEqualTo(200);
    JsonObject data = new JsonObject(response.body()).getJsonObject("data");
    assertThat(data.getString("resultType")).isEqualTo("vector");
    return data.getJsonArray("result");
  }

  private static double epochSeconds() {
    return System.currentTimeMillis() / 1000.0;
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
