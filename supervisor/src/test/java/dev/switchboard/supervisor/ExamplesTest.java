package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.FreePorts;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The service examples of {@code switchboard.example.yaml} stay valid and runnable: every one is a
 * definition the supervisor accepts, and every one whose program (and working directory) this
 * machine has starts and stays in the foreground (a command that hands its server to a background
 * daemon and returns would be seen to exit).
 */
class ExamplesTest {

  private static final Path EXAMPLE = Path.of("../switchboard.example.yaml");

  @Test
  void everyExampleIsAValidDefinition() throws IOException {
    List<JsonObject> examples = examples();
    assertThat(examples)
        .extracting(example -> example.getString("name"))
        .contains("static-files", "ollama", "llama-server", "lm-studio", "comfyui");
    try (SupervisorFixture sup = new SupervisorFixture()) {
      for (JsonObject example : examples) {
        JsonObject created =
            sup.request(
                Addresses.SUPERVISOR_SERVICES_CREATE, example.copy().put("autostart", false));
        assertThat(created.getString("state")).as(example.getString("name")).isEqualTo("stopped");
      }
    }
  }

  @Test
  void everyExampleWhoseProgramIsHereStartsAndStaysInTheForeground() throws IOException {
    List<JsonObject> runnable =
        examples().stream()
            .filter(example -> onPath(program(example)).isPresent())
            .filter(
                example ->
                    !example.containsKey("cwd")
                        || Files.isDirectory(Path.of(example.getString("cwd"))))
            .toList();
    assertThat(runnable)
        .extracting(example -> example.getString("name"))
        .as("python3 is everywhere the tests run")
        .contains("static-files");
    try (SupervisorFixture sup = new SupervisorFixture()) {
      for (JsonObject example : runnable) {
        startAndStop(sup, onThisMachine(example));
      }
    }
  }

  /**
   * LM Studio cannot be installed here (its installer downloads from its own site), so a stand-in
   * {@code lms} behaves as the real one does where it matters: {@code lms server start} starts the
   * server in the background and returns at once. The example's wrapper must keep the service
   * running while that server answers, and stop the server when the service is stopped.
   */
  @Test
  void theLmStudioWrapperFollowsAServerThatRunsInTheBackground() throws IOException {
    try (SupervisorFixture sup = new SupervisorFixture()) {
      Path bin = Files.createDirectories(sup.dataDir.resolve("bin"));
      Path lms = bin.resolve("lms");
      Files.writeString(
          lms,
          """
        #!/bin/sh
        # stand-in for LM Studio's lms: the server runs detached, like llmster's
        state="$(dirname "$0")"
        case "$1 $2" in
          "daemon up") exit 0 ;;
          "server start")
            mkdir -p "$state/www/v1" && echo '{"data":[]}' > "$state/www/v1/models"
            setsid python3 -m http.server "$4" --bind 127.0.0.1 --directory "$state/www" >/dev/null 2>&1 &
            echo $! > "$state/server.pid"
            for i in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$4/v1/models" && exit 0; sleep 0.1; done
            exit 1 ;;
          "server stop") kill "$(cat "$state/server.pid")"; exit 0 ;;
        esac
        exit 2
        """);
      Files.setPosixFilePermissions(lms, PosixFilePermissions.fromString("rwxr-xr-x"));
      JsonObject example =
          examples().stream()
              .filter(e -> e.getString("name").equals("lm-studio"))
              .findFirst()
              .orElseThrow();
      JsonObject definition = onThisMachine(example);
      definition.put("env", new JsonObject().put("PATH", bin + ":" + System.getenv("PATH")));
      int port = definition.getInteger("port");

      startAndStop(sup, definition);

      assertThat(listening(port)).as("lms server stop ran when the service stopped").isFalse();
    }
  }

  /**
   * Starts the service, sees it running and still running (same process) a moment later, then stops
   * it.
   */
  private static void startAndStop(SupervisorFixture sup, JsonObject definition) {
    String name = definition.getString("name");
    sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, definition);
    sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", name));
    JsonObject running = sup.awaitState(name, "running", Duration.ofSeconds(30));
    SupervisorFixture.sleep(1_500);
    JsonObject later = sup.service(name);
    assertThat(later.getString("state")).as(name + " still running").isEqualTo("running");
    assertThat(later.getInteger("pid"))
        .as(name + " is the same process")
        .isEqualTo(running.getInteger("pid"));
    assertThat(
            sup.request(Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", name))
                .getString("state"))
        .isEqualTo("stopped");
  }

  /**
   * The example made to run here: its port replaced by a free one everywhere it appears, and
   * without dependencies on examples that may not run.
   */
  private static JsonObject onThisMachine(JsonObject example) {
    String port = String.valueOf(example.getInteger("port"));
    String free = String.valueOf(FreePorts.freePort());
    JsonObject local =
        new JsonObject(
            example
                .encode()
                .replace("\"" + port + "\"", "\"" + free + "\"")
                .replace(":" + port + "/", ":" + free + "/")
                .replace(":" + port + "\"", ":" + free + "\"")
                .replace("--port " + port, "--port " + free));
    local.put("port", Integer.parseInt(free));
    local.remove("dependsOn");
    local.put("autostart", false);
    return local;
  }

  /**
   * The service definitions of the example file: its {@code services:} lines without their "# ".
   */
  static List<JsonObject> examples() throws IOException {
    List<String> lines = Files.readAllLines(EXAMPLE);
    List<String> entries = new ArrayList<>();
    boolean inServices = false;
    for (String line : lines) {
      inServices |= line.equals("services:");
      if (inServices && line.startsWith("  # ")) {
        entries.add(line.substring(4));
      } else if (inServices && line.equals("  #")) {
        entries.add("");
      }
    }
    List<?> parsed = new Yaml().load(String.join("\n", entries));
    return new JsonArray(Json.encode(parsed))
        .stream().map(JsonObject.class::cast).collect(Collectors.toList());
  }

  /** The program an example runs: the first word of its command line or argv. */
  private static String program(JsonObject example) {
    Object command = example.getValue("command");
    return command instanceof JsonArray argv
        ? argv.getString(0)
        : command.toString().trim().split("\\s+")[0];
  }

  private static Optional<Path> onPath(String program) {
    return Stream.of(System.getenv("PATH").split(":"))
        .map(dir -> Path.of(dir, program))
        .filter(Files::isExecutable)
        .findFirst();
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
