package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files checked by the programs that will read them: nginx's site by {@code nginx
 * -t}, the Prometheus configurations and alert rules by {@code promtool} (with the rule cases of
 * {@code switchboard-rules.test.yml}), the systemd units by {@code systemd-analyze verify}, and the
 * Grafana dashboard's shape. Whether the metric names are real is {@link ProductionIT}'s part.
 */
class DeployFilesTest {

  static final Path DEPLOY = Path.of("../deploy").toAbsolutePath().normalize();

  @TempDir Path temp;

  @Test
  void nginxAcceptsTheSite() throws IOException {
    Path webRoot = Files.createDirectories(temp.resolve("webroot"));
    NginxSite site =
        NginxSite.configure(
            temp, "nginx", new NginxSite.Options(8080, 8443, 3006, 3007, webRoot, true));
    Tools.Result result = site.check();
    assertThat(result.output()).as("nginx -t").contains("test is successful");
    assertThat(result.exit()).as("nginx -t: %s", result.output()).isZero();
    assertThat(result.output()).as("nginx -t warns of nothing").doesNotContain("[warn]");
  }

  @Test
  void promtoolAcceptsTheConfigurationsAndTheRules() throws IOException {
    Tools.require(Tools.PROMTOOL, "prometheus");
    Path prometheus = DEPLOY.resolve("prometheus");
    // the configurations name /etc/prometheus/switchboard.token: a copy with a token file here
    Path token = Files.writeString(temp.resolve("switchboard.token"), "a-viewer-token-0123456789");
    Files.copy(prometheus.resolve("switchboard-rules.yml"), temp.resolve("switchboard-rules.yml"));
    for (String config : List.of("prometheus-one-jvm.yml", "prometheus-split.yml")) {
      String text = Files.readString(prometheus.resolve(config));
      assertThat(text).contains("/etc/prometheus/switchboard.token");
      Files.writeString(
          temp.resolve(config),
          text.replace("/etc/prometheus/switchboard.token", token.toString()));
      Tools.Result result =
          Tools.run(List.of(Tools.PROMTOOL.toString(), "check", "config", config), temp, null);
      assertThat(result.exit())
          .as("promtool check config %s: %s", config, result.output())
          .isZero();
      assertThat(result.output()).contains("SUCCESS: 8 rules found");
    }
    Tools.Result rules =
        Tools.run(
            List.of(Tools.PROMTOOL.toString(), "check", "rules", "switchboard-rules.yml"),
            prometheus,
            null);
    assertThat(rules.exit()).as("promtool check rules: %s", rules.output()).isZero();
    Tools.Result cases =
        Tools.run(
            List.of(Tools.PROMTOOL.toString(), "test", "rules", "switchboard-rules.test.yml"),
            prometheus,
            null);
    assertThat(cases.exit()).as("promtool test rules: %s", cases.output()).isZero();
    assertThat(cases.output()).contains("SUCCESS");
  }

  @Test
  void systemdAcceptsEveryUnit() throws IOException {
    Tools.require(Tools.SYSTEMD_ANALYZE, "systemd");
    // systemd-analyze verify checks that ExecStart's program exists: a stand-in java here
    Path java = temp.resolve("bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path units = Files.createDirectories(temp.resolve("units"));
    List<Path> sources;
    try (Stream<Path> files = Files.list(DEPLOY.resolve("systemd"))) {
      sources = files.filter(f -> f.toString().endsWith(".service")).sorted().toList();
    }
    assertThat(sources.stream().map(p -> p.getFileName().toString()))
        .containsExactly(
            "switchboard-file-processor.service",
            "switchboard-gateway.service",
            "switchboard-mcp-host.service",
            "switchboard-supervisor.service",
            "switchboard-system-stats.service",
            "switchboard-ws-hub.service",
            "switchboard.service");
    for (Path source : sources) {
      String text = Files.readString(source);
      assertThat(text)
          .as(source.getFileName().toString())
          .contains(
              "ExecStart=/usr/bin/java ",
              "NoNewPrivileges=true",
              "PrivateTmp=true",
              "User=switchboard",
              "MemoryMax=",
              "Restart=on-failure");
      assertThat(text)
          .as(source.getFileName().toString())
          .containsPattern("ProtectSystem=(strict|full)");
      String name = source.getFileName().toString();
      String unit = name.replace(".service", "");
      assertThat(DEPLOY.resolve("systemd/" + unit + ".env.example"))
          .as("the environment file example of " + name)
          .exists();
      Path copy = units.resolve(name);
      Files.writeString(copy, text.replace("ExecStart=/usr/bin/java ", "ExecStart=" + java + " "));
      Tools.Result result =
          Tools.run(
              List.of(Tools.SYSTEMD_ANALYZE.toString(), "verify", copy.toString()), units, null);
      assertThat(result.output()).as("systemd-analyze verify %s", name).isEmpty();
      assertThat(result.exit()).as("systemd-analyze verify %s", name).isZero();
    }
  }

  /**
   * The split units on one host: every process listens on ports of its own (its HTTP or ops port,
   * and its cluster port, which CLUSTER_MEMBERS lists), and prometheus-split.yml scrapes each
   * process where it listens.
   */
  @Test
  void theSplitUnitsListenOnPortsOfTheirOwnThatPrometheusScrapes() throws IOException {
    Map<String, String> shared = env("cluster.env.example");
    Map<String, String> httpPortSetting =
        Map.of(
            "gateway", "GATEWAY_PORT",
            "ws-hub", "HUB_PORT",
            "file-processor", "FILES_PORT",
            "mcp-host", "MCP_PORT",
            "system-stats", "OPS_PORT",
            "supervisor", "OPS_PORT");
    Map<String, String> scraped = new TreeMap<>();
    Matcher target =
        Pattern.compile("targets: \\[\"127\\.0\\.0\\.1:(\\d+)\"]\\s+labels:\\s+process: (\\S+)")
            .matcher(Files.readString(DEPLOY.resolve("prometheus/prometheus-split.yml")));
    while (target.find()) {
      scraped.put(target.group(2), target.group(1));
    }
    Map<String, String> owners = new TreeMap<>();
    Map<String, String> listening = new TreeMap<>();
    for (Map.Entry<String, String> service : httpPortSetting.entrySet()) {
      Map<String, String> env = new TreeMap<>(shared);
      env.putAll(env("switchboard-" + service.getKey() + ".env.example"));
      String http = env.get(service.getValue());
      String cluster = env.get("CLUSTER_PORT");
      assertThat(http).as("%s of %s", service.getValue(), service.getKey()).isNotNull();
      assertThat(cluster).as("CLUSTER_PORT of %s", service.getKey()).isNotNull();
      for (String port : List.of(http, cluster)) {
        assertThat(owners.put(port, service.getKey()))
            .as("port %s of %s is taken by", port, service.getKey())
            .isNull();
      }
      assertThat(shared.get("CLUSTER_MEMBERS")).contains("127.0.0.1:" + cluster);
      listening.put(service.getKey(), http);
    }
    assertThat(scraped).as("prometheus-split.yml's targets").isEqualTo(listening);
  }

  private static Map<String, String> env(String example) throws IOException {
    Map<String, String> settings = new TreeMap<>();
    for (String line : Files.readAllLines(DEPLOY.resolve("systemd/" + example))) {
      int eq = line.indexOf('=');
      if (!line.startsWith("#") && eq > 0) {
        settings.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return settings;
  }

  @Test
  void theDashboardHasItsPanels() throws IOException {
    JsonObject dashboard =
        new JsonObject(Files.readString(DEPLOY.resolve("grafana/switchboard.json")));
    JsonArray panels = dashboard.getJsonArray("panels");
    List<String> titles = panels.stream().map(p -> ((JsonObject) p).getString("title")).toList();
    assertThat(titles)
        .contains(
            "Hub connections by namespace",
            "Emits and deliveries per second",
            "Hub delivery latency",
            "Managed services by state",
            "Managed-service restarts (1 h)",
            "Managed-service log lines per second",
            "Host CPU",
            "Host memory",
            "Filesystem used",
            "Disk and network",
            "JVM heap used",
            "GC pause time per second",
            "PostgreSQL pool connections in use");
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      if (!"row".equals(panel.getString("type"))) {
        assertThat(panel.getJsonArray("targets")).as(panel.getString("title")).isNotEmpty();
      }
    }
    assertThat(ProductionIT.metricNames(dashboard))
        .contains(
            "switchboard_hub_ws_connections",
            "switchboard_hub_delivery_latency_seconds_bucket",
            "up",
            "switchboard_supervisor_services",
            "switchboard_supervisor_service_restarts_total");
  }
}
