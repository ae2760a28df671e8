package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code envFrom}: secrets in dotenv files the operator owns, read at every start, never stored,
 * and a start that fails naming the file when it cannot be read.
 */
class EnvFromTest {

  private static final String SECRET = "sk-from-file-0123456789";

  private SupervisorFixture sup;
  private Path file;

  @BeforeEach
  void start() throws IOException {
    sup = new SupervisorFixture();
    file = sup.dataDir.resolve("llama.env");
    Files.writeString(
        file, "# the key\nexport MY_API_KEY=\"" + SECRET + "\"\n\nMODE=file\nOTHER='kept'\n");
  }

  @AfterEach
  void stop() {
    sup.close();
  }

  private JsonObject printer() {
    return new JsonObject()
        .put("name", "printer")
        .put("shell", true)
        .put("restart", "no")
        .put("command", "echo \"key=$MY_API_KEY mode=$MODE other=$OTHER\"; exec sleep 300")
        .put("env", new JsonObject().put("MODE", "inline"))
        .put("envFrom", new JsonArray().add(file.toString()));
  }

  @Test
  void theFilesVariablesReachTheProcessAtEveryStartAndNeverTheDatabase() throws IOException {
    sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, printer());
    sup.request(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "printer"));
    sup.awaitLines(
        "printer",
        new JsonObject(),
        lines -> lines.contains("key=" + SECRET + " mode=inline other=kept"),
        "the file's variables, env winning over them");

    Files.writeString(file, "MY_API_KEY=rotated\n");
    sup.request(Addresses.SUPERVISOR_SERVICES_RESTART, new JsonObject().put("name", "printer"));
    sup.awaitLines(
        "printer",
        new JsonObject(),
        lines -> lines.contains("key=rotated mode=inline other="),
        "the file read again");

    JsonObject shown =
        sup.request(
            Addresses.SUPERVISOR_SERVICES_GET,
            new JsonObject().put("name", "printer").put(Addresses.ENV_VALUES, true));
    assertThat(shown.getJsonArray("envFrom")).containsExactly(file.toString());
    assertThat(shown.encode()).doesNotContain(SECRET).doesNotContain("rotated");
    Pool pool = Database.pool(sup.vertx, sup.databaseUrl, 1, "test");
    List<String> stored =
        pool.query("SELECT definition::text FROM supervisor.services").execute().await().stream()
            .map((Row row) -> row.getString(0))
            .toList();
    assertThat(stored)
        .singleElement()
        .asString()
        .contains(file.toString())
        .doesNotContain(SECRET)
        .doesNotContain("rotated");
  }

  @Test
  void aMissingOrUnreadableFileFailsTheStartNamingIt() throws IOException {
    Path missing = sup.dataDir.resolve("missing.env");
    sup.request(
        Addresses.SUPERVISOR_SERVICES_CREATE,
        printer().put("envFrom", new JsonArray().add(file.toString()).add(missing.toString())));
    ApiException refused =
        sup.failure(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "printer"));
    assertThat(refused.getMessage())
        .isEqualTo(
            "cannot start printer: envFrom file " + missing + " cannot be read: no such file");
    JsonObject failed = sup.service("printer");
    assertThat(failed.getString("state")).isEqualTo("failed");
    assertThat(failed.getString("reason")).contains(missing.toString());

    Files.writeString(missing, "MODE=x\nthis line is no variable\n");
    ApiException unreadable =
        sup.failure(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "printer"));
    assertThat(unreadable.getMessage())
        .isEqualTo("cannot start printer: envFrom file " + missing + ", line 2: not KEY=value");
    // a FIFO would block the worker reading it for ever
    Path fifo = sup.dataDir.resolve("fifo.env");
    new ProcessBuilder("mkfifo", fifo.toString()).start().onExit().join();
    sup.request(
        Addresses.SUPERVISOR_SERVICES_UPDATE,
        new JsonObject()
            .put("name", "printer")
            .put("definition", printer().put("envFrom", new JsonArray().add(fifo.toString()))));
    ApiException notAFile =
        sup.failure(Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", "printer"));
    assertThat(notAFile.getMessage())
        .isEqualTo("cannot start printer: envFrom file " + fifo + " is not a regular file");
  }

  @Test
  void envFromTakesAbsolutePathsOnly() {
    ApiException relative =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_CREATE,
            printer().put("envFrom", new JsonArray().add("llama.env")));
    assertThat(relative.field()).isEqualTo("envFrom[0]");
    ApiException notAList =
        sup.failure(
            Addresses.SUPERVISOR_SERVICES_CREATE, printer().put("envFrom", "/etc/llama.env"));
    assertThat(notAList.field()).isEqualTo("envFrom");
  }
}
