package dev.switchboard.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class ConfigLoaderTest {

  @TempDir Path dir;

  @Test
  void defaultsApplyWhenNothingElseIsGiven(Vertx vertx) {
    JsonObject config = ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE, Map.of()).await();

    assertThat(config.getString("bindHost")).isEqualTo("127.0.0.1");
    assertThat(config.getJsonObject("gateway").getInteger("port")).isEqualTo(3006);
    assertThat(config.getJsonObject("stats").getLong("interval")).isEqualTo(10_000L);
    assertThat(config.getJsonObject("stats").getJsonObject("retention").getLong("rollups"))
        .isEqualTo(Duration.ofDays(30).toMillis());
    assertThat(config.getJsonObject("cluster").getJsonArray("members"))
        .isEqualTo(new JsonArray().add("127.0.0.1"));
    assertThat(config.getJsonObject("database").getString("url")).isNull();
    assertThat(config.getJsonObject("hub").getLong("connectTimeout"))
        .as("a handshake that joins no namespace lives 10 s, not Node's 45 s")
        .isEqualTo(10_000L);
  }

  @Test
  void fileOverridesDefaultsAndEnvironmentOverridesFile(Vertx vertx) throws IOException {
    Path file =
        write(
            """
      bindHost: 0.0.0.0
      gateway:
        port: 4000
      stats:
        interval: 2s
        retention:
          raw: 6h
      services:
        web1:
          command: [python3, -m, http.server]
      """);

    JsonObject config =
        ConfigLoader.load(
                vertx,
                file,
                Map.of(
                    "GATEWAY_PORT", "5000",
                    "STATS_RAW_RETENTION", "1h",
                    "CLUSTER_MEMBERS", "10.0.0.1, 10.0.0.2:5702",
                    "UNRELATED", "ignored"))
            .await();

    assertThat(config.getString("bindHost")).as("file over default").isEqualTo("0.0.0.0");
    assertThat(config.getJsonObject("gateway").getInteger("port"))
        .as("env over file")
        .isEqualTo(5000);
    JsonObject stats = config.getJsonObject("stats");
    assertThat(stats.getLong("interval"))
        .as("file value kept beside an env value of the same section")
        .isEqualTo(2000L);
    assertThat(stats.getJsonObject("retention").getLong("raw"))
        .isEqualTo(Duration.ofHours(1).toMillis());
    assertThat(stats.getJsonObject("retention").getLong("rollups"))
        .as("default kept deep inside")
        .isEqualTo(Duration.ofDays(30).toMillis());
    assertThat(config.getJsonObject("cluster").getJsonArray("members"))
        .containsExactly("10.0.0.1", "10.0.0.2:5702");
    assertThat(config.getJsonObject("services").getJsonObject("web1"))
        .as("unknown sections pass through")
        .isNotNull();
    assertThat(config.containsKey("UNRELATED")).isFalse();
  }

  @Test
  void badValuesAreNamedInOneMessage(Vertx vertx) {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                        vertx,
                        ConfigLoader.DEFAULT_FILE,
                        Map.of(
                            "GATEWAY_PORT",
                            "http",
                            "STATS_INTERVAL",
                            "often",
                            "ADMIN_TOKEN",
                            "short"))
                    .await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GATEWAY_PORT (gateway.port) 'http': not a port number")
        .hasMessageContaining("STATS_INTERVAL (stats.interval) 'often': not a duration")
        .hasMessageContaining("ADMIN_TOKEN (auth.adminToken): must be at least 16 characters")
        .hasMessageNotContaining("short");
  }

  /**
   * Bug: a bad SUPERVISOR_ORPHANS was found by the supervisor as it deployed, after PostgreSQL had
   * started.
   */
  @Test
  void settingsWithChoicesRefuseAnyOtherValueWhenLoaded(Vertx vertx) {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                        vertx,
                        ConfigLoader.DEFAULT_FILE,
                        Map.of(
                            "SUPERVISOR_ORPHANS",
                            "keep",
                            "SUPERVISOR_ON_SHUTDOWN",
                            "later",
                            "TRANSPORT",
                            "carrier-pigeon"))
                    .await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "SUPERVISOR_ORPHANS (supervisor.orphans) 'keep': must be adopt or stop")
        .hasMessageContaining(
            "SUPERVISOR_ON_SHUTDOWN (supervisor.onShutdown) 'later': must be stop or leave")
        .hasMessageContaining(
            "TRANSPORT (transport) 'carrier-pigeon': must be auto, epoll, io_uring or nio");
    JsonObject config =
        ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE, Map.of("SUPERVISOR_ORPHANS", "stop"))
            .await();
    assertThat(config.getJsonObject("supervisor").getString("orphans")).isEqualTo("stop");
  }

  /**
   * Bug: two equal tokens reached the hub, whose Map.of threw "duplicate key" and failed the start.
   */
  @Test
  void twoSettingsWithTheSameTokenAreRefusedByName(Vertx vertx) {
    String token = "one-token-for-two-roles-0123";
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                        vertx,
                        ConfigLoader.DEFAULT_FILE,
                        Map.of("ADMIN_TOKEN", token, "EMIT_TOKEN", token))
                    .await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ADMIN_TOKEN and EMIT_TOKEN are the same token")
        .hasMessageNotContaining(token);
    JsonObject distinct =
        ConfigLoader.load(
                vertx,
                ConfigLoader.DEFAULT_FILE,
                Map.of("ADMIN_TOKEN", token, "VIEWER_TOKEN", token + "-viewer"))
            .await();
    assertThat(distinct.getJsonObject("auth").getString("viewerToken"))
        .isEqualTo(token + "-viewer");
  }

  @Test
  void aRecoveryWindowOfZeroTurnsRecoveryOff(Vertx vertx) {
    for (String off : new String[] {"0", "0s", "0ms"}) {
      JsonObject config =
          ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE, Map.of("HUB_RECOVERY_WINDOW", off))
              .await();
      assertThat(config.getJsonObject("hub").getLong("recoveryWindow")).as(off).isZero();
    }
    assertThat(
            ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE, Map.of())
                .await()
                .getJsonObject("hub")
                .getLong("recoveryWindow"))
        .isEqualTo(120_000L);
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                        vertx, ConfigLoader.DEFAULT_FILE, Map.of("HUB_RECOVERY_WINDOW", "soon"))
                    .await())
        .hasMessageContaining("HUB_RECOVERY_WINDOW");
  }

  @Test
  void allowedOriginsFollowTheGatewayPortUnlessSet(Vertx vertx) {
    JsonObject moved =
        ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE, Map.of("GATEWAY_PORT", "4100")).await();
    JsonObject set =
        ConfigLoader.load(
                vertx,
                ConfigLoader.DEFAULT_FILE,
                Map.of("GATEWAY_PORT", "4100", "CORS_ORIGINS", "https://app.example"))
            .await();

    assertThat(moved.getJsonObject("hub").getJsonArray("corsOrigins"))
        .isEqualTo(new JsonArray().add("http://127.0.0.1:4100").add("http://localhost:4100"));
    assertThat(set.getJsonObject("hub").getJsonArray("corsOrigins"))
        .isEqualTo(new JsonArray().add("https://app.example"));
  }

  @Test
  void aMisspeltKeyStopsTheStartAndNamesTheNearestSetting(Vertx vertx) throws IOException {
    Path file =
        write(
            """
      gateway:
        prot: 4000
      hub: { pingIntervall: 5s }
      stats:
        retention:
          raw: 6h
      frobnicate: true
      services: []
      """);

    assertThatThrownBy(() -> ConfigLoader.load(vertx, file, Map.of()).await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown setting gateway.prot (did you mean gateway.port?)")
        .hasMessageContaining("unknown setting hub.pingIntervall (did you mean hub.pingInterval?)")
        .hasMessageEndingWith("unknown setting frobnicate")
        .hasMessageNotContaining("stats")
        .hasMessageNotContaining("services");
  }

  @Test
  void theMcpServersSectionIsTakenAndAMisspeltOneIsNamed(Vertx vertx) throws IOException {
    Path good =
        write(
            """
      mcp:
        port: 3110
        servers:
          - name: everything
            command: [npx, server-everything]
      """);
    JsonObject config = ConfigLoader.load(vertx, good, Map.of()).await();
    assertThat(config.getJsonObject("mcp").getJsonArray("servers")).hasSize(1);
    assertThat(config.getJsonObject("mcp").getInteger("port")).isEqualTo(3110);

    Path bad = write("mcp:\n  servres: []\n");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, bad, Map.of()).await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown setting mcp.servres");
  }

  @Test
  void aSettingWrittenAsAValueWhereASectionBelongsIsRefused(Vertx vertx) throws IOException {
    Path file = write("gateway: 3006\n");

    assertThatThrownBy(() -> ConfigLoader.load(vertx, file, Map.of()).await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown setting gateway");
  }

  @Test
  void aMissingExplicitFileOrBrokenYamlIsAClearError(Vertx vertx) throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(vertx, dir.resolve("nope.yaml"), Map.of()).await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nope.yaml does not exist");

    Path broken = write("gateway: [port: 1\n  - x: {");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, broken, Map.of()).await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read " + broken);
  }

  @Test
  void databaseUrlIsValidatedWithoutEchoingIt(Vertx vertx) {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                        vertx,
                        ConfigLoader.DEFAULT_FILE,
                        Map.of("DATABASE_URL", "mysql://root:secret@db/x"))
                    .await())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("DATABASE_URL")
        .hasMessageNotContaining("secret");
    JsonObject ok =
        ConfigLoader.load(
                vertx,
                ConfigLoader.DEFAULT_FILE,
                Map.of("DATABASE_URL", "postgresql://app:pw@127.0.0.1:5433/switchboard"))
            .await();
    assertThat(ok.getJsonObject("database").getString("url"))
        .isEqualTo("postgresql://app:pw@127.0.0.1:5433/switchboard");
  }

  @Test
  void durationsReadTheWayPeopleWriteThem() {
    assertThat(Durations.parseMillis("500ms")).isEqualTo(500);
    assertThat(Durations.parseMillis("10s")).isEqualTo(10_000);
    assertThat(Durations.parseMillis("5m")).isEqualTo(300_000);
    assertThat(Durations.parseMillis("24h")).isEqualTo(86_400_000);
    assertThat(Durations.parseMillis("30d")).isEqualTo(2_592_000_000L);
    assertThat(Durations.parseMillis("PT10S")).isEqualTo(10_000);
    assertThatThrownBy(() -> Durations.parseMillis("0s")).hasMessageContaining("longer than zero");
    assertThatThrownBy(() -> Durations.parseMillis("ten")).hasMessageContaining("not a duration");
  }

  @Test
  void durationsTooLongAreBadInputLikeAnyOther() {
    for (String text :
        new String[] {
          "99999999999999999999s", "200000000000000d", "2000000000000000w", "PT9999999999999999999H"
        }) {
      assertThatThrownBy(() -> Durations.parse(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class);
    }
    // fits a Duration, but not a long of milliseconds
    assertThatThrownBy(() -> Durations.parseMillis("106751991167301d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
  }

  private Path write(String yaml) throws IOException {
    Path file = Files.createTempFile(dir, "switchboard", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
