package dev.switchboard.app;

import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.config.ConfigLoader;
import dev.switchboard.common.config.Setting;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks made before the embedded PostgreSQL starts, on configurations loaded as the launcher
 * loads them.
 */
class PreflightTest {

  private final Vertx vertx = Vertx.vertx();

  @TempDir Path temp;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aPortAnotherProgramHoldsIsNamedWithItsSetting() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      JsonObject config = load(Map.of("GATEWAY_PORT", String.valueOf(port), "HUB_PORT", "0"));

      assertThatThrownBy(() -> Preflight.check(config, CommandLine.parse("Linux")))
          .isInstanceOf(LaunchException.class)
          .hasMessage(
              "cannot listen on 127.0.0.1:"
                  + port
                  + " (GATEWAY_PORT): the address is already in use");
    }
  }

  @Test
  void twoServersGivenOnePortAreRefusedByName() throws IOException {
    int port = freePort();
    JsonObject config =
        load(Map.of("GATEWAY_PORT", String.valueOf(port), "HUB_PORT", String.valueOf(port)));

    assertThatThrownBy(() -> Preflight.check(config, CommandLine.parse("Linux")))
        .hasMessage(
            "GATEWAY_PORT and HUB_PORT are both "
                + port
                + "; every server needs a port of its own");
  }

  @Test
  void dbPortIsCheckedOnlyWhenTheEmbeddedDatabaseStarts() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      JsonObject embedded = load(Map.of("DB_PORT", String.valueOf(port)));
      assertThatThrownBy(() -> Preflight.check(embedded, CommandLine.parse("Linux", "db")))
          .hasMessage(
              "cannot listen on 127.0.0.1:" + port + " (DB_PORT): the address is already in use");

      JsonObject external =
          load(
              Map.of(
                  "DB_PORT",
                  String.valueOf(port),
                  "DATABASE_URL",
                  "postgresql://u@127.0.0.1:5432/x"));
      assertThat(Preflight.ports(external, CommandLine.parse("Linux")))
          .doesNotContainKey(Setting.DB_PORT);
    }
  }

  @Test
  void aProcessWithoutAnHttpServiceChecksItsOpsPort() throws IOException {
    JsonObject config = load(Map.of("OPS_PORT", "3999"));

    assertThat(Preflight.ports(config, CommandLine.parse("Linux", "--services", "system-stats")))
        .containsExactly(Map.entry(Setting.OPS_PORT, 3999));
  }

  @Test
  void aServiceDefinitionTheSupervisorWouldRefuseStopsTheStart() throws IOException {
    Path file =
        Files.writeString(
            temp.resolve("switchboard.yaml"),
            """
      services:
        - name: web
          command: [sleep, "60"]
        - name: broken
      """);
    JsonObject config = load(file, Map.of("GATEWAY_PORT", "0", "HUB_PORT", "0"));

    assertThatThrownBy(() -> Preflight.check(config, CommandLine.parse("Linux")))
        .isInstanceOf(LaunchException.class)
        .hasMessageStartingWith("services[1].command in the config file: ");
    assertThatNoException()
        .as("without the supervisor, its section is not read")
        .isThrownBy(
            () -> Preflight.check(config, CommandLine.parse("Linux", "--services", "gateway")));
  }

  @Test
  void aMisspeltKeyOfAnMcpServerStopsTheStartNamingIt() throws IOException {
    Path file =
        Files.writeString(
            temp.resolve("mcp.yaml"),
            """
      mcp:
        servers:
          - name: everything
            comand: [npx, server-everything]
      """);
    JsonObject config = load(file, Map.of("GATEWAY_PORT", "0", "HUB_PORT", "0"));

    assertThatThrownBy(() -> Preflight.check(config, CommandLine.parse("Linux")))
        .isInstanceOf(LaunchException.class)
        .hasMessageStartingWith("mcp.servers[0].comand in the config file: unknown field");
    assertThatNoException()
        .as("without mcp-host, its section is not read")
        .isThrownBy(
            () -> Preflight.check(config, CommandLine.parse("Linux", "--services", "gateway")));
  }

  private JsonObject load(Map<String, String> env) throws IOException {
    return load(Files.writeString(temp.resolve("empty.yaml"), "{}\n"), env);
  }

  private JsonObject load(Path file, Map<String, String> env) {
    return ConfigLoader.load(vertx, file, env).await();
  }
}
