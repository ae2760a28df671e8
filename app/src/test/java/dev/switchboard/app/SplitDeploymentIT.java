package dev.switchboard.app;

import static dev.switchboard.app.LauncherIT.STOP_TIMEOUT;
import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.FreePorts;
import dev.switchboard.common.testing.McpMessages;
import dev.switchboard.hub.NodeDriver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split deployment on one machine, each part the real program: one PostgreSQL ({@code
 * switchboard db}); the gateway, two hubs, the supervisor, system-stats, file-processor and
 * mcp-host, each a JVM of its own, clustered over Hazelcast on loopback; Debian's nginx in front
 * with the repository's site, balancing the two hubs plain round-robin; Debian's Prometheus
 * scraping every process with {@code deploy/prometheus/prometheus-split.yml}. The npm
 * socket.io-client (ws-hub's {@link NodeDriver}) and Chromium reach Switchboard through nginx's TLS
 * port only.
 *
 * <p>One scenario, set up once and run in order: the clients connect (polling with the upgrade, and
 * websocket only), an emit through nginx reaches the clients of both hubs, Prometheus sees what the
 * test did, the web app signs in and goes live, a supervisor restart adopts a running service, and
 * last a hub killed with {@code kill -9} leaves its clients to recover on the other hub with what
 * they missed. Seven JVMs: it runs with {@code mvn verify -Psplit} only (tag {@code split}).
 */
@Tag("split")
@EnabledOnOs(OS.LINUX)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(300)
class SplitDeploymentIT {

  private static final String ADMIN = "split-admin-" + UUID.randomUUID();
  private static final String EMIT = "split-emit-" + UUID.randomUUID();

  /** The namespace the npm clients join; its events carry recovery offsets. */
  private static final String NAMESPACE = "/mcp";

  /** npm clients of each kind (polling with the upgrade, websocket only). */
  private static final int CLIENTS_PER_TRANSPORT = 3;

  private static final int EMITS_PER_SECOND = 10;
  private static final int EMIT_SECONDS = 4;

  /**
   * How long each process may take to print "Ready in": longer than LauncherIT's, as seven JVMs
   * start at once here on a machine that may have two busy cores (113 s was seen under a load of
   * 30).
   */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  /** The managed service that must outlive a supervisor restart. */
  private static final String SLEEPER = "split-sleeper";

  /** Prometheus ends by itself after this, whatever happens to the test JVM. */
  private static final Duration PROMETHEUS_LIFETIME = Duration.ofMinutes(5);

  /** The driver ends by itself after this. */
  private static final Duration NODE_LIFETIME = Duration.ofMinutes(4);

  private static final Path NODE_DIR = Path.of("../ws-hub/src/test/node");

  /** A hub process, its port and the node id its session ids and recovery offsets start with. */
  private record Hub(SwitchboardProcess process, int port, String node) {}

  private final Processes processes = new Processes();
  private final Map<String, String> clusterEnv = new LinkedHashMap<>();
  private final List<String> clusterMembers = new ArrayList<>();
  private final AtomicInteger seq = new AtomicInteger();

  /** The processes' data, nginx's and Prometheus's; deleted after {@link #stop} ended them. */
  @TempDir static Path temp;

  private final List<Hub> hubs = new ArrayList<>();
  private SwitchboardProcess gateway;
  private SwitchboardProcess.Builder supervisorBuilder;
  private SwitchboardProcess supervisor;
  private NginxSite nginx;
  private PrometheusServer prometheus;
  private HttpClient https;
  private NodeDriver node;
  private long sleeperPid;

  /** Each npm client: its Socket.IO id when it connected. */
  private final Map<String, String> clientIds = new LinkedHashMap<>();

  /** Each npm client: the node of the hub it is on, as the offsets of its events say. */
  private final Map<String, String> hubOfClient = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    Tools.require(Tools.NGINX, "nginx");
    Tools.require(Tools.PROMETHEUS, "prometheus");
    long started = System.nanoTime();
    // nginx's workers (nobody) read the web root under it
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));

    SwitchboardProcess db =
        processes.start(
            SwitchboardProcess.builder("split-db").dataDir(dataDir(temp, "db")).args("db"));

    int gatewayPort = freePort();
    int filesPort = freePort();
    int httpsPort = freePort();
    List<Integer> hubPorts = List.of(freePort(), freePort());
    int statsOps = freePort();
    int supervisorOps = freePort();
    int mcpPort = freePort();
    List<Integer> clusterPorts = Stream.generate(FreePorts::freePort).limit(7).toList();
    clusterPorts.forEach(port -> clusterMembers.add("127.0.0.1:" + port));
    // what deploy/systemd/cluster.env gives every process
    clusterEnv.put("ADMIN_TOKEN", ADMIN);
    clusterEnv.put("EMIT_TOKEN", EMIT);
    clusterEnv.put("CLUSTER_NAME", "switchboard-split-" + UUID.randomUUID());
    clusterEnv.put("CLUSTER_MEMBERS", String.join(",", clusterMembers));
    clusterEnv.put("GATEWAY_PORT", Integer.toString(gatewayPort));
    clusterEnv.put("FILES_PORT", Integer.toString(filesPort));
    clusterEnv.put("MCP_PORT", Integer.toString(mcpPort));
    // the browser's origin is nginx's
    clusterEnv.put("CORS_ORIGINS", "https://127.0.0.1:" + httpsPort);

    // the hubs need no database: they start with it
    List<SwitchboardProcess> hubProcesses = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      hubProcesses.add(
          processes.start(
              service("split-hub-" + (i + 1), "ws-hub", clusterPorts.get(i))
                  .env("HUB_PORT", hubPorts.get(i))
                  .env("HUB_RECOVERY_STORE", "cluster")));
    }

    // nginx and Prometheus start while the JVMs do
    nginx =
        NginxSite.configure(
                temp,
                "nginx",
                new NginxSite.Options(
                    freePort(),
                    httpsPort,
                    gatewayPort,
                    hubPorts,
                    ProductionIT.unpackWebRoot(temp.resolve("webroot")),
                    true))
            .start();
    https =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(nginx.trust())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    Path config =
        PrometheusServer.config(
            temp.resolve("prometheus"),
            "prometheus-split.yml",
            ADMIN,
            Map.of(
                target(3006), target(gatewayPort),
                target(3007), target(hubPorts.get(0)) + ", " + target(hubPorts.get(1)),
                target(3009), target(filesPort),
                target(3008), target(statsOps),
                target(3010), target(mcpPort),
                target(3011), target(supervisorOps)));
    prometheus = PrometheusServer.start(temp.resolve("prometheus"), config, PROMETHEUS_LIFETIME);

    String databaseUrl = LauncherIT.databaseUrl(db, START_TIMEOUT);
    for (int i = 0; i < 2; i++) {
      SwitchboardProcess hub = hubProcesses.get(i);
      hubs.add(new Hub(hub, hubPorts.get(i), awaitReadyAndNode(hub, hubPorts.get(i))));
    }
    // The workers join one after another, each once the one before is ready: five members joining
    // a two-member cluster at once each start a repartition, and on a loaded 2-core machine a
    // migration was seen stuck for minutes ("Partition is migrating!" retried, no member ready).
    gateway =
        processes.start(
            service("split-gateway", "gateway", clusterPorts.get(2))
                .env("DATABASE_URL", databaseUrl));
    awaitReady(gateway, gatewayPort);
    supervisorBuilder =
        service("split-supervisor", "supervisor", clusterPorts.get(3))
            .env("DATABASE_URL", databaseUrl)
            .env("OPS_PORT", supervisorOps)
            // a restart leaves the managed services running, for the next start to adopt
            .env("SUPERVISOR_ON_SHUTDOWN", "leave");
    supervisor = processes.start(supervisorBuilder);
    awaitReady(supervisor, supervisorOps);
    awaitReady(
        processes.start(
            service("split-system-stats", "system-stats", clusterPorts.get(4))
                .env("DATABASE_URL", databaseUrl)
                .env("OPS_PORT", statsOps)
                .env("STATS_INTERVAL", "1s")),
        statsOps);
    awaitReady(
        processes.start(
            service("split-file-processor", "file-processor", clusterPorts.get(5))
                .env("DATABASE_URL", databaseUrl)),
        filesPort);
    awaitReady(
        processes.start(
            service("split-mcp-host", "mcp-host", clusterPorts.get(6))
                .env("DATABASE_URL", databaseUrl)),
        mcpPort);
    assertThat(hubs.get(0).node()).isNotEqualTo(hubs.get(1).node());
    System.out.printf(
        "%n[measure] split deployment (db, 7 JVMs, nginx, Prometheus) ready in %d ms%n%n",
        Duration.ofNanos(System.nanoTime() - started).toMillis());

    node =
        NodeDriver.start(
            NODE_DIR,
            nginx.https(),
            Map.of(
                "ADMIN_TOKEN",
                ADMIN,
                "EMIT_TOKEN",
                EMIT,
                // the npm client trusts the test's self-signed certificate, and nothing else new
                "NODE_EXTRA_CA_CERTS",
                nginx.certificate.toString()),
            NODE_LIFETIME);
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
    if (nginx != null) {
      nginx.close();
    }
    processes.close();
    if (sleeperPid != 0) {
      // adopted by the supervisor killed above, or left by a failed test
      ProcessHandle.of(sleeperPid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** A clustered process running {@code services}, with what every process of it shares. */
  private SwitchboardProcess.Builder service(String name, String services, int clusterPort) {
    SwitchboardProcess.Builder builder =
        SwitchboardProcess.builder(name)
            .args("--services", services, "--cluster")
            .dataDir(dataDir(temp, name))
            .env("CLUSTER_PORT", clusterPort);
    clusterEnv.forEach(builder::env);
    return builder;
  }

  private static String target(int port) {
    return "\"127.0.0.1:" + port + "\"";
  }

  private static void awaitReady(SwitchboardProcess process, int port) {
    process.awaitStdout("Ready in", START_TIMEOUT);
    Http.await(
        "http://127.0.0.1:" + port + "/readiness",
        ADMIN,
        r -> r.status() == 200,
        process,
        Duration.ofSeconds(60));
  }

  /** Waits for a hub, and answers its node id: the start of the session id it hands out. */
  private static String awaitReadyAndNode(SwitchboardProcess hub, int port) {
    awaitReady(hub, port);
    Http.Response open =
        Http.get("http://127.0.0.1:" + port + "/socket.io/?EIO=4&transport=polling");
    assertThat(open.body()).as("%s's Engine.IO handshake", hub.name()).startsWith("0{");
    return new JsonObject(open.body().substring(1)).getString("sid").substring(0, 8);
  }

  // ---------------------------------------------------------------- Socket.IO through nginx

  @Test
  @Order(1)
  void npmClientsConnectThroughNginxOverPollingWithTheUpgradeAndOverWebsocket() {
    for (int i = 1; i <= CLIENTS_PER_TRANSPORT; i++) {
      JsonObject polling = node.connected("polling-" + i, NAMESPACE, "admin", new JsonObject());
      clientIds.put("polling-" + i, polling.getString("id"));
      JsonObject websocket =
          node.connected(
              "websocket-" + i,
              NAMESPACE,
              "admin",
              new JsonObject().put("transports", new JsonArray().add("websocket")));
      assertThat(websocket.getString("transport")).isEqualTo("websocket");
      clientIds.put("websocket-" + i, websocket.getString("id"));
    }
    // a polling client started on polling: it is still on it, or it upgraded (the driver saw the
    // engine's upgrade). It upgrades when its websocket probe reaches the hub that owns its
    // session;
    // round-robin sends the probe to the other hub as often, which refuses it, and the client stays
    // on polling, served by the relay. At least one of them gets there.
    Map<String, String> transports =
        Eventually.within(Duration.ofSeconds(10))
            .alias("a polling client upgraded to a websocket through nginx")
            .until(
                () ->
                    clientIds.keySet().stream()
                        .filter(client -> client.startsWith("polling-"))
                        .collect(
                            Collectors.toMap(
                                client -> client,
                                client -> state(client).getString("transport"),
                                (x, y) -> x,
                                LinkedHashMap::new)),
                map -> map.containsValue("websocket"));
    System.out.println("[it] polling clients' transports: " + transports);
    transports.forEach(
        (client, transport) -> {
          if (transport.equals("websocket")) {
            assertThat(node.events(client, "@upgrade"))
                .as("%s reached the websocket by the upgrade from polling", client)
                .isNotEmpty();
          } else {
            assertThat(transport).as("%s's transport", client).isEqualTo("polling");
          }
        });
    for (String client : clientIds.keySet()) {
      assertThat(node.events(client).stream().map(NodeDriver.Event::name))
          .as("what %s saw", client)
          .doesNotContain("@disconnect", "@connect_error");
    }
  }

  @Test
  @Order(2)
  void anEmitThroughNginxReachesTheClientsOfBothHubs() throws Exception {
    int mark = node.mark();
    int tick = emitTick();
    for (String client : clientIds.keySet()) {
      NodeDriver.Event event = awaitTick(client, mark, tick);
      hubOfClient.put(client, hubOf(offset(event)).node());
    }
    System.out.println("[it] the clients' hubs: " + hubOfClient);
    assertThat(Set.copyOf(hubOfClient.values()))
        .as("the hubs of the clients that got the emit, each named by its node id")
        .containsExactlyInAnyOrder(hubs.get(0).node(), hubs.get(1).node());
  }

  // ---------------------------------------------------------------- Prometheus

  @Test
  @Order(3)
  void prometheusScrapesEveryProcessAndSeesWhatTheTestDid() throws Exception {
    JsonArray up =
        prometheus.awaitResult("up{job=\"switchboard\"} == 1", result -> result.size() == 7);
    assertThat(
            up.stream()
                .map(sample -> ((JsonObject) sample).getJsonObject("metric").getString("process"))
                .sorted()
                .toList())
        .containsExactly(
            "file-processor",
            "gateway",
            "mcp-host",
            "supervisor",
            "system-stats",
            "ws-hub",
            "ws-hub");

    // the connection gauge of each hub: the clients the emit found on it
    for (Hub hub : hubs) {
      long clients = hubOfClient.values().stream().filter(hub.node()::equals).count();
      prometheus.awaitValue(
          "switchboard_hub_ws_connections{namespace=\""
              + NAMESPACE
              + "\",instance=\"127.0.0.1:"
              + hub.port()
              + "\"}",
          clients);
    }
    prometheus.awaitValue(
        "sum(switchboard_hub_ws_connections{namespace=\"" + NAMESPACE + "\"})", clientIds.size());

    // emits per second, posted through nginx (to a room nobody is in: no client is flooded)
    Map<String, Double> before = emitsByHub();
    double total = before.values().stream().mapToDouble(Double::doubleValue).sum();
    double startedAt =
        PrometheusServer.paced(
            EMITS_PER_SECOND,
            EMIT_SECONDS,
            i ->
                assertThat(
                        emit(
                            new JsonObject()
                                .put("namespace", NAMESPACE)
                                .put("room", "prometheus-only")
                                .put("event", "paced")
                                .put("data", i)))
                    .isEqualTo(202));
    prometheus.awaitValue(
        "sum(switchboard_hub_emits_total)", total + EMITS_PER_SECOND * EMIT_SECONDS);
    double rate =
        prometheus.rateInTheMiddle("switchboard_hub_emits_total", startedAt, EMIT_SECONDS);
    assertThat(rate)
        .as("emits per second over both hubs (posting %d/s)", EMITS_PER_SECOND)
        .isBetween(EMITS_PER_SECOND * 0.7, EMITS_PER_SECOND * 1.3);
    Map<String, Double> after = emitsByHub();
    for (Hub hub : hubs) {
      String instance = "127.0.0.1:" + hub.port();
      assertThat(after.get(instance) - before.getOrDefault(instance, 0.0))
          .as("emits nginx sent to the hub on %s (round-robin)", instance)
          .isPositive();
    }

    // host CPU: sampled by system-stats only
    JsonArray cpu =
        prometheus.awaitResult("switchboard_host_cpu_usage_ratio", result -> result.size() == 1);
    JsonObject sample = cpu.getJsonObject(0);
    assertThat(sample.getJsonObject("metric").getString("process")).isEqualTo("system-stats");
    assertThat(PrometheusServer.valueOf(sample)).as("host CPU, 0-1").isBetween(0.0, 1.0);
    long cores =
        Files.readAllLines(Path.of("/proc/stat")).stream()
            .filter(line -> line.matches("cpu[0-9]+ .*"))
            .count();
    prometheus.awaitResult("switchboard_host_cpu_core_usage_ratio", r -> r.size() == cores);
  }

  /**
   * {@code switchboard_hub_emits_total} by instance, read from each hub's own {@code /metrics}:
   * Prometheus's view may be a scrape behind (the last emit of the test before), and a figure to
   * compare Prometheus against must not come from Prometheus.
   */
  private Map<String, Double> emitsByHub() {
    Map<String, Double> emits = new LinkedHashMap<>();
    for (Hub hub : hubs) {
      Http.Response metrics = Http.get("http://127.0.0.1:" + hub.port() + "/metrics", ADMIN);
      assertThat(metrics.status()).as("/metrics of the hub on %d", hub.port()).isEqualTo(200);
      double value =
          metrics
              .body()
              .lines()
              .filter(line -> line.startsWith("switchboard_hub_emits_total"))
              .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
              .sum();
      emits.put("127.0.0.1:" + hub.port(), value);
    }
    return emits;
  }

  // ---------------------------------------------------------------- the web app

  @Test
  @Order(4)
  void theWebAppSignsInAndShowsLiveStatsThroughNginx() {
    Tools.require(Browser.CHROMIUM, "chromium");
    Tools.require(Browser.CHROMEDRIVER, "chromium-driver");
    // the test's certificate is self-signed: Chromium is told to accept it
    try (Browser browser = new Browser(List.of("--ignore-certificate-errors"))) {
      WebPages pages = new WebPages(browser.driver(), nginx.https());
      try {
        pages.signIn(new WebPages.Credential("admin", ADMIN));
        pages.awaitConnected();
        // host samples taken by system-stats reach the page over a hub, through nginx
        pages.awaitLiveCpu();
        browser.screenshot("split-dashboard");
      } finally {
        browser.printConsole();
      }
    }
  }

  // ---------------------------------------------------------------- the supervisor

  @Test
  @Order(6)
  void aSupervisorRestartAdoptsTheRunningService() throws Exception {
    JsonObject definition =
        new JsonObject()
            .put("name", SLEEPER)
            .put("command", new JsonArray().add("sleep").add("600"))
            .put("restart", "no");
    HttpResponse<String> created = api("POST", "/api/v1/services", definition.encode());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    HttpResponse<String> started = api("POST", "/api/v1/services/" + SLEEPER + "/start", "");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
    JsonObject running = awaitSleeper("running before the restart");
    sleeperPid = running.getLong("pid");

    assertThat(supervisor.terminate(STOP_TIMEOUT))
        .as("the supervisor's exit code on SIGTERM\n%s", supervisor.dump())
        .isZero();
    assertThat(ProcessHandle.of(sleeperPid).map(ProcessHandle::isAlive))
        .as("the service while no supervisor runs")
        .hasValue(true);
    supervisor = processes.start(supervisorBuilder);
    supervisor.awaitStdout("Ready in", START_TIMEOUT);

    JsonObject adopted = awaitSleeper("running after the restart");
    assertThat(adopted.getLong("pid")).as("the adopted service's pid").isEqualTo(sleeperPid);
    assertThat(ProcessHandle.of(sleeperPid).map(ProcessHandle::isAlive)).hasValue(true);
  }

  /** The sleeper as the API shows it through nginx, once it is running. */
  private JsonObject awaitSleeper(String description) {
    return Eventually.within(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .alias(SLEEPER + " " + description)
        .until(
            () -> {
              HttpResponse<String> response = api("GET", "/api/v1/services/" + SLEEPER, null);
              return response.statusCode() == 200 ? new JsonObject(response.body()) : null;
            },
            service -> service != null && "running".equals(service.getString("state")));
  }

  // ---------------------------------------------------------------- an MCP server, across JVMs

  @Test
  @Order(5)
  void anMcpServerOfTheMcpHostRunsAsTheSupervisorsProcessInAnotherJvm() throws Exception {
    Path everything =
        Path.of(
                "../mcp-host/src/test/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
            .toAbsolutePath()
            .normalize();
    assertThat(everything).as("mcp-host's tests install server-everything").isRegularFile();
    JsonObject definition =
        new JsonObject()
            .put("name", "everything")
            .put("command", new JsonArray().add("node").add(everything.toString()).add("stdio"));
    HttpResponse<String> created = api("POST", "/api/v1/mcp/servers", definition.encode());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    // a client's initialize, through nginx, the gateway and mcp-host, is answered by the server
    // the supervisor runs: over FIFOs in the supervisor's DATA_DIR, two JVMs apart
    HttpResponse<String> initialized =
        https.send(
            HttpRequest.newBuilder(URI.create(nginx.https() + "/mcp/everything"))
                .header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(McpMessages.initialize("split").encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(initialized.statusCode()).as(initialized.body()).isEqualTo(200);
    assertThat(initialized.body()).contains("serverInfo");

    JsonObject listed =
        Eventually.within(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250))
            .alias("mcp:everything among the supervisor's processes")
            .until(
                () ->
                    new JsonObject(api("GET", "/api/v1/services", null).body())
                        .getJsonArray("services").stream()
                            .map(JsonObject.class::cast)
                            .filter(entry -> "mcp:everything".equals(entry.getString("name")))
                            .findFirst()
                            .orElse(null),
                entry -> entry != null && entry.containsKey("stats"));
    assertThat(listed.getString("managedBy")).isEqualTo("mcp-host");
    long pid = listed.getLong("pid");
    assertThat(ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
        .as("the server's parent is the supervisor's JVM, not mcp-host's")
        .hasValue(supervisor.pid());
    String log =
        Eventually.within(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250))
            .alias("the server's stderr in the supervisor's log")
            .until(
                () -> api("GET", "/api/v1/mcp/servers/everything/logs", null).body(),
                body -> body.contains("\"stream\":\"stderr\""));
    assertThat(log).contains("[switchboard] started for mcp-host (pid " + pid + ")");

    HttpResponse<String> deleted = api("DELETE", "/api/v1/mcp/servers/everything", null);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    Eventually.within(Duration.ofSeconds(30))
        .alias("the server's process gone with its definition")
        .until(
            () -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
  }

  // ---------------------------------------------------------------- a hub dies

  @Test
  @Order(7)
  void theClientsOfAHubKilledWithKill9RecoverOnTheOtherWithWhatTheyMissed() throws Exception {
    Hub victim = hubs.get(0);
    Hub survivor = hubs.get(1);
    List<String> orphans =
        hubOfClient.entrySet().stream()
            .filter(e -> e.getValue().equals(victim.node()))
            .map(Map.Entry::getKey)
            .toList();
    assertThat(orphans).as("clients on %s", victim.process().name()).isNotEmpty();
    int mark = node.mark();

    victim.process().close(); // SIGKILL
    int missed1 = emitTick();
    int missed2 = emitTick();

    for (String client : orphans) {
      NodeDriver.Event connect = node.await(client, "@connect", mark, args -> true);
      JsonObject state = connect.json(0);
      assertThat(state.getBoolean("recovered"))
          .as("%s recovered its session: %s", client, state)
          .isTrue();
      assertThat(state.getString("id"))
          .as("%s's socket id", client)
          .isEqualTo(clientIds.get(client));
    }
    for (String client : clientIds.keySet()) {
      awaitTick(client, mark, missed2);
      List<NodeDriver.Event> ticks =
          node.events(client, "tick").stream().filter(e -> e.index() >= mark).toList();
      assertThat(ticks.stream().map(e -> e.json(0).getInteger("seq")))
          .as("the broadcasts %s got after the kill, in order", client)
          .containsExactly(missed1, missed2);
    }

    // from now on everyone is on the survivor
    int mark2 = node.mark();
    int after = emitTick();
    for (String client : clientIds.keySet()) {
      assertThat(hubOf(offset(awaitTick(client, mark2, after))))
          .as("the hub of %s", client)
          .isEqualTo(survivor);
    }
  }

  // ---------------------------------------------------------------- helpers

  private JsonObject state(String client) {
    return node.call("state", new JsonObject().put("client", client));
  }

  /** Emits a {@code tick} with the next sequence number to the namespace through nginx. */
  private int emitTick() throws Exception {
    int tick = seq.incrementAndGet();
    JsonObject body =
        new JsonObject()
            .put("namespace", NAMESPACE)
            .put("event", "tick")
            .put("data", new JsonObject().put("seq", tick));
    assertThat(emit(body)).as("POST /emit through nginx, tick %d", tick).isEqualTo(202);
    return tick;
  }

  /**
   * POST /emit through nginx; answers the status. A 502 (nginx found the hub it picked gone while
   * the request was on its way) is sent again, at most three times: the dead hub delivered nothing.
   */
  private int emit(JsonObject body) throws Exception {
    int status = 0;
    for (int attempt = 0; attempt < 3 && (status == 0 || status == 502); attempt++) {
      status =
          https
              .send(
                  HttpRequest.newBuilder(URI.create(nginx.https() + "/emit"))
                      .header("Authorization", "Bearer " + EMIT)
                      .header("Content-Type", "application/json")
                      .timeout(Duration.ofSeconds(10))
                      .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode();
    }
    return status;
  }

  /** An API request through nginx with the admin token; {@code body} null for none. */
  private HttpResponse<String> api(String method, String path, String body) throws Exception {
    return https.send(
        HttpRequest.newBuilder(URI.create(nginx.https() + path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private NodeDriver.Event awaitTick(String client, int from, int tick) {
    return node.await(
        client, "tick", from, args -> args.getJsonObject(0).getInteger("seq") == tick);
  }

  /** The recovery offset an event carries as its last argument: "{node}-{counter}". */
  private static String offset(NodeDriver.Event event) {
    return event.args().getString(event.args().size() - 1);
  }

  private Hub hubOf(String offset) {
    return hubs.stream()
        .filter(hub -> offset.startsWith(hub.node() + "-"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("an offset of no hub: " + offset + " " + hubs));
  }
}
