package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanoutReportTest {

  private static JsonObject result(double bestRate, double perConnKb, double sbP99) {
    JsonObject best =
        new JsonObject()
            .put("targetRate", bestRate)
            .put("deliveredPerSec", bestRate * 1000)
            .put(
                "latencyMs",
                new JsonObject().put("p50", 1.5).put("p99", 9.0).put("p999", 20.0).put("max", 30.0))
            .put("serverCpuPct", 80.0)
            .put("generatorCpuPct", 30.0)
            .put("otherCpuPct", 1.0);
    return new JsonObject()
        .put("config", new JsonObject().put("p99BoundMs", 50.0))
        .put(
            "connect", new JsonObject().put("connected", 1000).put("seconds", 2.5).put("failed", 0))
        .put(
            "server",
            new JsonObject()
                .put("rssIdleKb", 50_000)
                .put("rssConnectedKb", 70_000)
                .put("rssPerConnectionKb", perConnKb)
                .put("rssConnectedLaterKb", 65_000)
                .put("rssPerConnectionLaterKb", perConnKb / 2)
                .put("rssPerConnectionSettledKb", perConnKb / 4))
        .put(
            "singleBroadcast",
            new JsonObject()
                .put(
                    "latencyMs",
                    new JsonObject().put("p50", 3.0).put("p99", sbP99).put("max", sbP99 + 1)))
        .put("steps", new JsonArray().add(best.copy().put("generatorSaturated", false)))
        .put(
            "result",
            new JsonObject()
                .put("bestRate", bestRate)
                .put("bestStep", best)
                .put("stoppedBecause", "rate 2x: p99 too high"));
  }

  @Test
  void summaryPicksTheBestStepFigures() {
    JsonObject s =
        FanoutReport.summary(new FanoutReport.Run("node", 1000, "f", result(200, 20.0, 12.0)));
    assertThat(s.getDouble("bestRate")).isEqualTo(200.0);
    assertThat(s.getDouble("deliveredPerSec")).isEqualTo(200_000.0);
    assertThat(s.getDouble("p99Ms")).isEqualTo(9.0);
    assertThat(s.getDouble("singleBroadcastP99Ms")).isEqualTo(12.0);
    assertThat(s.getDouble("rssPerConnectionKb")).isEqualTo(20.0);
    assertThat(s.getDouble("rssPerConnectionLaterKb")).isEqualTo(10.0);
    assertThat(s.getDouble("rssPerConnectionSettledKb")).isEqualTo(5.0);
    assertThat(s.getBoolean("generatorSaturated")).isFalse();
  }

  @Test
  void missingRunIsReportedNotFatal() {
    JsonObject s = FanoutReport.summary(new FanoutReport.Run("hub", 1000, "missing.json", null));
    assertThat(s.getString("error")).isEqualTo("no result");
  }

  @Test
  void printsSideBySideWithRatios() {
    List<FanoutReport.Run> runs =
        List.of(
            new FanoutReport.Run("node", 1000, "a", result(200, 27.0, 12.0)),
            new FanoutReport.Run("hub", 1000, "b", result(1000, 9.0, 3.0)),
            new FanoutReport.Run("node", 10000, "c", result(5, 16.0, 250.0)),
            new FanoutReport.Run("hub", 10000, "d", null));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    FanoutReport.print(runs, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("N = 1,000 clients").contains("N = 10,000 clients");
    assertThat(text).contains("hub/node");
    assertThat(text).containsPattern("best passing rate \\(emits/s\\)\\s+200\\s+1,000\\s+5.00x");
    assertThat(text).containsPattern("idle RSS per connection \\(KB\\)\\s+27.0\\s+9.0\\s+0.33x");
    assertThat(text)
        .containsPattern("the same, idle longer \\(--idle-seconds\\)\\s+13.5\\s+4.5\\s+0.33x");
    assertThat(text)
        .containsPattern("the same, settled \\(--settled-window\\)\\s+6.8\\s+2.3\\s+0.33x");
    assertThat(text).containsPattern("server RSS idle / connected / later \\(MB\\)\\s+49/68/63");
    assertThat(text).contains("hub stopped: no result");
    // every row's first figure ends where the header's first server name does
    for (String table : text.substring(text.indexOf("N = ")).split("\nN = ")) {
      String[] lines = table.split("\n");
      int end = lines[1].indexOf("node") + "node".length();
      for (String line : lines) {
        if (line.startsWith("  ") && !line.contains("stopped")) {
          assertThat(line.substring(end - 1, end + 1))
              .as("the first column of: %s", line)
              .matches("\\S ");
        }
      }
    }
    JsonObject combined = FanoutReport.combine(runs, new JsonObject().put("date", "x"));
    assertThat(combined.getJsonArray("summary")).hasSize(4);
    assertThat(combined.getJsonArray("runs").getJsonObject(3).getValue("result")).isNull();
  }
}
