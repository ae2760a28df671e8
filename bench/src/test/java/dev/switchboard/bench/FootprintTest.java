package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FootprintTest {

  @TempDir Path temp;

  @Test
  void namedPidsKeepTheirOrderAndABadPairIsRefused() {
    assertThat(Footprint.pids("gateway=12,ws-hub=34"))
        .containsExactly(java.util.Map.entry("gateway", 12L), java.util.Map.entry("ws-hub", 34L));
    assertThatThrownBy(() -> Footprint.pids("gateway")).hasMessageContaining("NAME=PID");
  }

  @Test
  void theReportJoinsEachProcesssPhasesIntoOneRow() throws Exception {
    Path results = temp.resolve("results.jsonl");
    Files.writeString(
        results,
        """
        {"phase":"start","deployment":"split","process":"ws-hub","seconds":6.11,"cpuSeconds":7.7}
        {"phase":"idle","deployment":"split","process":"ws-hub","seconds":30,"cpuPercent":3.4,"rssMiB":137.5}
        {"phase":"start","deployment":"one-jvm","process":"switchboard","seconds":5.13,"cpuSeconds":9.1}
        {"phase":"idle","deployment":"one-jvm","process":"switchboard","seconds":30,"cpuPercent":2.3,"rssMiB":127.9,"postgresProcesses":13,"postgresRssMiB":144.1}
        {"phase":"load","deployment":"split","process":"ws-hub","seconds":30,"clients":1000,"clientsFailed":0,"samplesPerClientPerSecond":1.0,"cpuPercent":9.2,"rssMiB":163.6}
        """);
    Path out = temp.resolve("out.json");
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      Footprint.report(results, out, "2 CPUs");
    } finally {
      System.setOut(stdout);
    }

    String table = printed.toString(StandardCharsets.UTF_8);
    assertThat(table.lines())
        .hasSize(3)
        .anySatisfy(
            line -> assertThat(line).contains("split", "ws-hub", "6.1", "7.7", "137.5", "9.2"))
        .anySatisfy(line -> assertThat(line).contains("one-jvm", "127.9 +144.1 pg", "-"));
    JsonObject doc = new JsonObject(Files.readString(out));
    assertThat(doc.getString("machine")).isEqualTo("2 CPUs");
    assertThat(doc.getJsonArray("rows")).hasSize(2);
    JsonObject hub = doc.getJsonArray("rows").getJsonObject(0);
    assertThat(hub.getDouble("coldStartCpuSeconds")).isEqualTo(7.7);
    assertThat(hub.getDouble("loadCpuPercent")).isEqualTo(9.2);
    assertThat(hub.getInteger("clients")).isEqualTo(1000);
  }
}
