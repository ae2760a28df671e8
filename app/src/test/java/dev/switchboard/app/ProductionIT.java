package dev.switchboard.app;

import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production shape with the real programs: one Switchboard (every service in one JVM) behind
 * the repository's nginx site run by the real nginx on loopback ports with a self-signed
 * certificate (the web app signed in through it in Chromium under the site's CSP), and every
 * /metrics output through {@code promtool check metrics} and against the Grafana dashboard's
 * queries.
 *
 * <p>The source address cannot vary on loopback, so the allow rule of /emit, /metrics, /mcp/ and
 * the admin-only API is tested with a second nginx whose internal networks leave loopback out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProductionIT {

  private static final String ADMIN = "production-admin-" + UUID.randomUUID();
  private static final String EMIT = "production-emit-" + UUID.randomUUID();

  /**
   * What promtool flags in the exported names today, each a Micrometer binder's own name (renaming
   * them would break every dashboard built on Micrometer's names): a new finding fails the test.
   */
  static final Set<String> KNOWN_PROMTOOL_FINDINGS =
      Set.of(
          "jvm_compilation_time_ms_total metric names should not contain abbreviated units",
          "process_cpu_time_ns_total metric names should not contain abbreviated units",
          "system_cpu_count non-histogram and non-summary metrics should not have \"_count\""
              + " suffix");

  /**
   * Dashboard metrics that a fresh instance has not registered yet (their first series comes with
   * the first event of its kind), with the file and the meter name that registers them.
   */
  static final Map<String, List<String>> REGISTERED_ON_FIRST_EVENT =
      Map.of(
          "switchboard_supervisor_service_restarts_total",
          List.of(
              "supervisor/src/main/java/dev/switchboard/supervisor/ServiceMetrics.java",
              "\"supervisor.service.restarts\""));

  /** Series Prometheus makes itself, not the targets. */
  static final Set<String> PROMETHEUS_SERIES = Set.of("up");

  private final Processes processes = new Processes();

  /** The process's data and nginx's; deleted after {@link #stop} ended them. */
  @TempDir static Path temp;

  private int gatewayPort;
  private int hubPort;
  private int filesPort;
  private NginxSite open;
  private NginxSite closed;
  private HttpClient client;

  @BeforeAll
  void start() throws Exception {
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
    gatewayPort = freePort();
    hubPort = freePort();
    filesPort = freePort();
    int openHttps = freePort();
    SwitchboardProcess one =
        processes.start(
            SwitchboardProcess.builder("production")
                .dataDir(dataDir(temp, "data"))
                .env("GATEWAY_PORT", gatewayPort)
                .env("HUB_PORT", hubPort)
                .env("FILES_PORT", filesPort)
                .env("ADMIN_TOKEN", ADMIN)
                .env("EMIT_TOKEN", EMIT)
                // the browser's origin is nginx's, as ALLOWED_HOSTS/CORS_ORIGINS say in deploy/
                .env("CORS_ORIGINS", "https://127.0.0.1:" + openHttps));
    Path webRoot = unpackWebRoot(temp.resolve("webroot"));
    open =
        NginxSite.configure(
            temp,
            "nginx-open",
            new NginxSite.Options(freePort(), openHttps, gatewayPort, hubPort, webRoot, true));
    closed =
        NginxSite.configure(
            temp,
            "nginx-closed",
            new NginxSite.Options(freePort(), freePort(), gatewayPort, hubPort, webRoot, false));
    open.start();
    closed.start();
    client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(open.trust())
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    one.awaitReady("http://127.0.0.1:" + gatewayPort, ADMIN);
  }

  @AfterAll
  void stop() {
    if (open != null) {
      open.close();
    }
    if (closed != null) {
      closed.close();
    }
    processes.close();
  }

  /**
   * The web app as the gateway packs it (webroot/ in the jar), unpacked as nginx/README.md says.
   */
  static Path unpackWebRoot(Path target) throws IOException {
    try (ZipFile jar = new ZipFile(SwitchboardProcess.jar().toFile())) {
      Enumeration<? extends ZipEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        ZipEntry entry = entries.nextElement();
        if (!entry.getName().startsWith("webroot/") || entry.isDirectory()) {
          continue;
        }
        Path file = target.resolve(entry.getName().substring("webroot/".length())).normalize();
        Files.createDirectories(file.getParent());
        try (InputStream in = jar.getInputStream(entry)) {
          Files.copy(in, file);
        }
      }
    }
    assertThat(target.resolve("index.html")).as("the jar's webroot/index.html").exists();
    try (var paths = Files.walk(target)) {
      for (Path p : paths.toList()) {
        Files.setPosixFilePermissions(
            p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return target;
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder get(String url, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).GET();
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  @Test
  void theApiThroughNginxOverTls() throws Exception {
    HttpResponse<String> info = send(get(open.https() + "/api/v1/system/info", ADMIN));
    assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
    assertThat(new JsonObject(info.body()).fieldNames()).isNotEmpty();
    assertThat(info.headers().firstValue("Strict-Transport-Security"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("max-age="));
    assertThat(info.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

    HttpResponse<String> anonymous = send(get(open.https() + "/api/v1/system/info", null));
    assertThat(anonymous.statusCode()).as("the gateway's own answer, through nginx").isEqualTo(401);
  }

  @Test
  void plainHttpIsRedirectedToHttps() throws Exception {
    HttpResponse<String> redirect = send(get(open.http() + "/api/v1/system/info?x=1", ADMIN));
    assertThat(redirect.statusCode()).isEqualTo(301);
    assertThat(redirect.headers().firstValue("Location"))
        .hasValue("https://127.0.0.1/api/v1/system/info?x=1");
  }

  @Test
  void theAppWithItsSecurityHeaders() throws Exception {
    HttpResponse<String> index = send(get(open.https() + "/", null));
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("<div id=\"app\"></div>");
    assertThat(index.body())
        .as("the placeholder stays: the app connects to the page's own origin, that is nginx")
        .contains("content=\"__SWITCHBOARD_HUB_PORT__\"");
    assertThat(index.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(
            csp ->
                assertThat(csp)
                    .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"));
    assertThat(index.headers().firstValue("Strict-Transport-Security")).isPresent();
    assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(index.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");

    HttpResponse<String> page = send(get(open.https() + "/services/ticker", null));
    assertThat(page.statusCode()).as("an app route is the app").isEqualTo(200);
    assertThat(page.body()).isEqualTo(index.body());

    // everything the page loads is its own, under /assets/, which is what the CSP allows
    Matcher loads = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(index.body());
    List<String> assets = new ArrayList<>();
    while (loads.find()) {
      String url = loads.group(1);
      if (!url.startsWith("data:")) {
        assertThat(url).as("what index.html loads").startsWith("/assets/");
        assets.add(url);
      }
    }
    assertThat(assets).isNotEmpty();
    for (String asset : assets) {
      HttpResponse<byte[]> file =
          client.send(
              get(open.https() + asset, null).header("Accept-Encoding", "gzip").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(file.statusCode()).as(asset).isEqualTo(200);
      assertThat(file.headers().firstValue("Content-Encoding")).as(asset).hasValue("gzip");
      assertThat(file.headers().allValues("Cache-Control")).as(asset).contains("public, immutable");
      assertThat(file.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }
  }

  @Test
  void emitMetricsMcpAndAdminRoutesOnlyFromAllowedNetworks() throws Exception {
    HttpRequest.Builder emit =
        HttpRequest.newBuilder(URI.create(open.https() + "/emit"))
            .header("Authorization", "Bearer " + EMIT)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"namespace\":\"/system\",\"event\":\"production\",\"data\":{}}"));
    HttpResponse<String> emitted = send(emit);
    assertThat(emitted.statusCode()).as(emitted.body()).isEqualTo(202);
    assertThat(new JsonObject(emitted.body()).getInteger("accepted")).isEqualTo(1);
    HttpResponse<String> metrics = send(get(open.https() + "/metrics", ADMIN));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("hub_emits_total");
    HttpResponse<String> tokens = send(get(open.https() + "/api/v1/tokens", ADMIN));
    assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
    // not a JSON-RPC message: mcp-host's own answer, so the request went through to it
    HttpResponse<String> mcp = send(mcpPost(open.https()));
    assertThat(mcp.statusCode()).as(mcp.body()).isEqualTo(400);
    assertThat(mcp.body()).contains("Invalid Request");

    HttpClient toClosed =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(closed.trust())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    for (HttpRequest request :
        List.of(
            HttpRequest.newBuilder(URI.create(closed.https() + "/emit"))
                .header("Authorization", "Bearer " + EMIT)
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            get(closed.https() + "/metrics", ADMIN).build(),
            get(closed.https() + "/api/v1/tokens", ADMIN).build(),
            get(closed.https() + "/api/v1/mcp/servers", ADMIN).build(),
            mcpPost(closed.https()).build(),
            get(closed.https() + "/api/v1/audit", ADMIN).build())) {
      HttpResponse<String> refused = toClosed.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).as("%s from outside", request.uri()).isEqualTo(403);
    }
    HttpResponse<String> info =
        toClosed.send(
            get(closed.https() + "/api/v1/system/info", ADMIN).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(info.statusCode()).as("the rest of the API from outside").isEqualTo(200);
  }

  private static HttpRequest.Builder mcpPost(String base) {
    return HttpRequest.newBuilder(URI.create(base + "/mcp/everything"))
        .header("Authorization", "Bearer " + ADMIN)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString("{}"));
  }

  @Test
  void socketIoPollingAndWebsocketThroughNginx() throws Exception {
    String base = open.https() + "/socket.io/?EIO=4&transport=polling";
    HttpResponse<String> handshake = send(get(base, null));
    assertThat(handshake.statusCode()).as(handshake.body()).isEqualTo(200);
    assertThat(handshake.body()).startsWith("0{");
    JsonObject open0 = new JsonObject(handshake.body().substring(1));
    String sid = open0.getString("sid");
    long pingInterval = open0.getLong("pingInterval");
    long pingTimeout = open0.getLong("pingTimeout");
    assertThat(Duration.ofMillis(pingInterval + pingTimeout))
        .as("the site's proxy_read_timeout (75s) outlasts a ping round")
        .isLessThan(Duration.ofSeconds(75));

    String session = base + "&sid=" + sid;
    HttpResponse<String> connect =
        send(
            HttpRequest.newBuilder(URI.create(session))
                .header("Content-Type", "text/plain;charset=UTF-8")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "40/system,{\"token\":\"" + ADMIN + "\"}")));
    assertThat(connect.statusCode()).as(connect.body()).isEqualTo(200);
    HttpResponse<String> connected = send(get(session, null));
    assertThat(connected.body()).contains("40/system,{\"sid\":");

    HttpResponse<String> tooLarge =
        send(
            HttpRequest.newBuilder(URI.create(session))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2 * 1024 * 1024])));
    assertThat(tooLarge.statusCode()).as("a body over client_max_body_size").isEqualTo(413);

    BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    WebSocket socket =
        client
            .newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .buildAsync(
                URI.create(
                    open.https().replace("https:", "wss:")
                        + "/socket.io/?EIO=4&transport=websocket"),
                new WebSocket.Listener() {
                  private final StringBuilder text = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      messages.add(text.toString());
                      text.setLength(0);
                    }
                    ws.request(1);
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);
    try {
      assertThat(messages.poll(10, TimeUnit.SECONDS)).as("the open packet").startsWith("0{");
      socket.sendText("40/system,{\"token\":\"" + ADMIN + "\"}", true).get(5, TimeUnit.SECONDS);
      assertThat(messages.poll(10, TimeUnit.SECONDS))
          .as("the namespace's connect answer over the websocket")
          .startsWith("40/system,{\"sid\":");
    } finally {
      socket.abort();
    }
  }

  @Test
  void theAppSignsInAndGoesLiveThroughNginxUnderItsCsp() {
    Tools.require(Browser.CHROMIUM, "chromium");
    Tools.require(Browser.CHROMEDRIVER, "chromium-driver");
    // the test's certificate is self-signed: Chromium is told to accept it
    try (Browser browser = new Browser(List.of("--ignore-certificate-errors"))) {
      WebPages pages = new WebPages(browser.driver(), open.https());
      try {
        pages.signIn(new WebPages.Credential("admin", ADMIN));
        pages.awaitConnected();
        List<String> refused =
            browser
                .driver()
                .manage()
                .logs()
                .get(org.openqa.selenium.logging.LogType.BROWSER)
                .getAll()
                .stream()
                .map(Object::toString)
                .filter(line -> line.contains("Content Security Policy"))
                .toList();
        assertThat(refused).as("what the CSP refused").isEmpty();
      } finally {
        browser.printConsole();
      }
    }
  }

  /** Each process's own /metrics: the gateway's, the hub's, file-processor's ports. */
  private Map<String, String> metricsOutputs() {
    return Map.of(
        "gateway", Http.get("http://127.0.0.1:" + gatewayPort + "/metrics", ADMIN).body(),
        "ws-hub", Http.get("http://127.0.0.1:" + hubPort + "/metrics", ADMIN).body(),
        "file-processor", Http.get("http://127.0.0.1:" + filesPort + "/metrics", ADMIN).body());
  }

  @Test
  void everyMetricsOutputPassesPromtool() {
    Tools.require(Tools.PROMTOOL, "prometheus");
    for (Map.Entry<String, String> output : metricsOutputs().entrySet()) {
      assertThat(output.getValue()).as(output.getKey()).contains("# TYPE");
      Tools.Result check =
          Tools.run(
              List.of(Tools.PROMTOOL.toString(), "check", "metrics"), temp, output.getValue());
      Set<String> findings = new TreeSet<>();
      check.output().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(findings::add);
      assertThat(findings)
          .as("promtool check metrics on %s's /metrics", output.getKey())
          .isSubsetOf(KNOWN_PROMTOOL_FINDINGS);
    }
  }

  @Test
  void everyDashboardQueryNamesARealMetric() throws IOException {
    JsonObject dashboard =
        new JsonObject(
            Files.readString(DeployFilesTest.DEPLOY.resolve("grafana/switchboard.json")));
    Set<String> exported = new TreeSet<>();
    for (String output : metricsOutputs().values()) {
      output
          .lines()
          .filter(l -> !l.startsWith("#") && !l.isBlank())
          .map(l -> l.split("[{ ]", 2)[0])
          .forEach(exported::add);
    }
    Set<String> queried = metricNames(dashboard);
    assertThat(queried).hasSizeGreaterThan(20);
    for (String name : queried) {
      if (PROMETHEUS_SERIES.contains(name)) {
        continue;
      }
      List<String> registration = REGISTERED_ON_FIRST_EVENT.get(name);
      if (registration != null) {
        assertThat(Files.readString(Path.of("..", registration.get(0))))
            .as("%s registers %s", registration.get(0), name)
            .contains(registration.get(1));
        continue;
      }
      assertThat(exported).as("the dashboard's %s among the exported metrics", name).contains(name);
    }
  }

  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> PROMQL_WORDS =
      Set.of("by", "without", "on", "ignoring", "and", "or", "unless", "bool", "offset");

  /** The metric names in the dashboard's PromQL expressions. */
  static Set<String> metricNames(JsonObject dashboard) {
    Set<String> names = new TreeSet<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonArray targets = ((JsonObject) p).getJsonArray("targets", new JsonArray());
      for (Object t : targets) {
        String expr =
            ((JsonObject) t)
                .getString("expr")
                .replaceAll("\"[^\"]*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll(
                    "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Matcher m = IDENTIFIER.matcher(expr);
        while (m.find()) {
          String rest = expr.substring(m.end()).stripLeading();
          if (!rest.startsWith("(") && !PROMQL_WORDS.contains(m.group())) {
            names.add(m.group());
          }
        }
      }
    }
    return names;
  }
}
