package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.FreePorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real Prometheus (Debian's {@code prometheus}) with a scrape configuration from {@code
 * deploy/prometheus/}, and its HTTP API as the tests ask it. It runs under {@code timeout}, so it
 * ends by itself after the lifetime given even if the test JVM dies; {@link #close()} stops it
 * before that.
 */
final class PrometheusServer implements AutoCloseable {

  /**
   * How long a wait for a value or a series takes at most (scrapes and evaluations run each 1 s).
   */
  static final Duration WAIT = Duration.ofSeconds(10);

  private static final Path DEPLOY = DeployFilesTest.DEPLOY.resolve("prometheus");

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Process process;
  private final Path log;
  private final String url;

  private PrometheusServer(Process process, Path log, String url) {
    this.process = process;
    this.log = log;
    this.url = url;
  }

  /**
   * {@code deploy/prometheus/<source>} and {@code switchboard-rules.yml} copied to {@code dir},
   * with {@code token} in a token file there, a 1 s scrape and evaluation interval and {@code
   * replace} applied (its keys are texts of the file, each replaced by its value); every
   * replacement must find what it replaces, so a change to the file fails the test, not silently.
   */
  static Path config(Path dir, String source, String token, Map<String, String> replace)
      throws IOException {
    Files.createDirectories(dir);
    Files.copy(DEPLOY.resolve("switchboard-rules.yml"), dir.resolve("switchboard-rules.yml"));
    Path tokenFile = Files.writeString(dir.resolve("switchboard.token"), token);
    String text = Files.readString(DEPLOY.resolve(source));
    text = replace(source, text, "scrape_interval: 15s", "scrape_interval: 1s");
    text = replace(source, text, "evaluation_interval: 15s", "evaluation_interval: 1s");
    text = replace(source, text, "/etc/prometheus/switchboard.token", tokenFile.toString());
    for (Map.Entry<String, String> e : replace.entrySet()) {
      text = replace(source, text, e.getKey(), e.getValue());
    }
    return Files.writeString(dir.resolve("prometheus.yml"), text);
  }

  private static String replace(String source, String text, String from, String to) {
    assertThat(text).as(source).contains(from);
    return text.replace(from, to);
  }

  /**
   * Starts Prometheus with {@code config}, its data and log in {@code dir}, listening on a free
   * loopback port, and waits for it to be ready.
   */
  static PrometheusServer start(Path dir, Path config, Duration lifetime) throws IOException {
    Tools.require(Tools.PROMETHEUS, "prometheus");
    int port = FreePorts.freePort();
    Path log = dir.resolve("prometheus.log");
    Process process =
        new ProcessBuilder(
                "timeout",
                lifetime.toSeconds() + "s",
                Tools.PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server = new PrometheusServer(process, log, "http://127.0.0.1:" + port);
    try {
      Eventually.within(WAIT)
          .alias("Prometheus ready")
          .ignoreExceptionsInstanceOf(IOException.class)
          .failFast(
              () -> {
                if (!process.isAlive()) {
                  throw new AssertionError("prometheus exited:\n" + Files.readString(log));
                }
              })
          .until(() -> server.get("/-/ready").statusCode() == 200);
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  // ---- the HTTP API ----

  /** Waits until {@code query} gives exactly one value, equal to {@code expected}. */
  void awaitValue(String query, double expected) {
    Eventually.within(WAIT)
        .alias(query + " == " + expected)
        .until(() -> valueOrNaN(query), v -> v == expected);
  }

  /** Waits until {@code query}'s vector satisfies {@code done}, and answers it. */
  JsonArray awaitResult(String query, Predicate<JsonArray> done) {
    return Eventually.within(WAIT).alias(query).until(() -> query(query, null), done);
  }

  /** The one value of {@code query} now; fails unless there is exactly one. */
  double value(String query) throws Exception {
    return value(query, null);
  }

  /** The one value of {@code query} at {@code time} (epoch seconds); fails unless exactly one. */
  double value(String query, Double time) throws Exception {
    JsonArray result = query(query, time);
    assertThat(result).as("%s at %s", query, time).hasSize(1);
    return valueOf(result.getJsonObject(0));
  }

  private double valueOrNaN(String query) throws Exception {
    JsonArray result = query(query, null);
    return result.size() == 1 ? valueOf(result.getJsonObject(0)) : Double.NaN;
  }

  /** The value of one element of a query's vector. */
  static double valueOf(JsonObject sample) {
    return Double.parseDouble(sample.getJsonArray("value").getString(1));
  }

  /** {@code /api/v1/query}: the vector, at {@code time} (epoch seconds) or now. */
  JsonArray query(String query, Double time) throws Exception {
    String path =
        "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8)
            + (time == null ? "" : "&time=" + String.format(Locale.ROOT, "%.3f", time));
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
    JsonObject data = new JsonObject(response.body()).getJsonObject("data");
    assertThat(data.getString("resultType")).isEqualTo("vector");
    return data.getJsonArray("result");
  }

  /** What Prometheus printed so far, for failure messages. */
  String log() throws IOException {
    return Files.readString(log);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double epochSeconds() {
    return System.currentTimeMillis() / 1000.0;
  }

  /** One request of a paced run: the {@code i}th. */
  interface Request {
    void send(int i) throws Exception;
  }

  /**
   * Sends {@code perSecond} requests a second for {@code seconds} seconds, each when it is due;
   * answers when the run started (epoch seconds), for {@link #rateInTheMiddle}.
   */
  static double paced(int perSecond, int seconds, Request request) throws Exception {
    double startedAt = epochSeconds();
    long started = System.nanoTime();
    for (int i = 0; i < perSecond * seconds; i++) {
      long due = started + TimeUnit.MILLISECONDS.toNanos(i * 1000L / perSecond);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      request.send(i);
    }
    return startedAt;
  }

  /**
   * {@code sum(rate(counter[3s]))} in the middle of a paced run of {@code seconds} seconds started
   * at {@code startedAt}, when every sample of the window is in the run.
   */
  double rateInTheMiddle(String counter, double startedAt, int seconds) throws Exception {
    return value("sum(rate(" + counter + "[3s]))", startedAt + seconds / 2.0 + 1);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
