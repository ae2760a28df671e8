package dev.switchboard.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Combines {@link FanoutBench} result files into one side-by-side table (one column per server, one
 * block per client count) and one JSON document.
 *
 * <pre>
 * java -cp switchboard-bench.jar dev.switchboard.bench.FanoutReport --out results/fanout.json \
 *     --run node:1000:node-1000.json --run hub:1000:hub-1000.json ...
 * </pre>
 */
public final class FanoutReport {

  /** The label column: as wide as the longest label, the indented ones included. */
  private static final int LABEL_WIDTH = 40;

  private static final String LABEL = "  %-" + LABEL_WIDTH + "s";

  /**
   * One run: which server, how many clients, its result document (null when the run produced none).
   */
  public record Run(String server, int clients, String file, JsonObject data) {}

  private FanoutReport() {}

  public static void main(String[] args) throws IOException {
    List<Run> runs = new ArrayList<>();
    String outFile = null;
    JsonObject meta = new JsonObject();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> outFile = args[++i];
        case "--meta" -> {
          String kv = args[++i];
          int eq = kv.indexOf('=');
          meta.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        case "--run" -> {
          String[] parts = args[++i].split(":", 3);
          if (parts.length != 3) {
            throw new IllegalArgumentException("--run SERVER:CLIENTS:FILE");
          }
          Path p = Path.of(parts[2]);
          JsonObject data = null;
          if (Files.isRegularFile(p)) {
            try {
              data = new JsonObject(Files.readString(p, StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
              System.err.println("FanoutReport: cannot read " + p + ": " + e.getMessage());
            }
          }
          runs.add(new Run(parts[0], Integer.parseInt(parts[1]), parts[2], data));
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    print(runs, System.out);
    if (outFile != null) {
      JsonObject combined = combine(runs, meta);
      Path p = Path.of(outFile);
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      Files.writeString(p, combined.encodePrettily() + "\n", StandardCharsets.UTF_8);
      System.out.println("wrote " + p);
    }
  }

  /** The figures the table shows for one run, flat, for the combined JSON and for comparisons. */
  public static JsonObject summary(Run run) {
    JsonObject s = new JsonObject().put("server", run.server()).put("clients", run.clients());
    JsonObject d = run.data();
    if (d == null) {
      return s.put("error", "no result");
    }
    if (d.containsKey("error")) {
      s.put("error", d.getString("error"));
    }
    JsonObject cfg = d.getJsonObject("config", new JsonObject());
    s.put("p99BoundMs", cfg.getValue("p99BoundMs"));
    JsonObject connect = d.getJsonObject("connect", new JsonObject());
    s.put("connected", connect.getValue("connected"));
    s.put("connectSeconds", connect.getValue("seconds"));
    s.put("connectFailed", connect.getValue("failed"));
    JsonObject server = d.getJsonObject("server", new JsonObject());
    s.put("rssIdleKb", server.getValue("rssIdleKb"));
    s.put("rssConnectedKb", server.getValue("rssConnectedKb"));
    s.put("rssPerConnectionKb", server.getValue("rssPerConnectionKb"));
    s.put("rssConnectedLaterKb", server.getValue("rssConnectedLaterKb"));
    s.put("rssPerConnectionLaterKb", server.getValue("rssPerConnectionLaterKb"));
    s.put("rssPerConnectionSettledKb", server.getValue("rssPerConnectionSettledKb"));
    JsonObject result = d.getJsonObject("result", new JsonObject());
    s.put("bestRate", result.getValue("bestRate"));
    s.put("stoppedBecause", result.getValue("stoppedBecause"));
    JsonObject best = result.getJsonObject("bestStep");
    if (best != null) {
      s.put("deliveredPerSec", best.getValue("deliveredPerSec"));
      JsonObject lat = best.getJsonObject("latencyMs", new JsonObject());
      s.put("p50Ms", lat.getValue("p50"))
          .put("p99Ms", lat.getValue("p99"))
          .put("p999Ms", lat.getValue("p999"))
          .put("maxMs", lat.getValue("max"));
      s.put("serverCpuPct", best.getValue("serverCpuPct"));
      s.put("generatorCpuPct", best.getValue("generatorCpuPct"));
      s.put("otherCpuPct", best.getValue("otherCpuPct"));
      s.put("serverRssKbMax", best.getValue("serverRssKbMax"));
      s.put("serverCpuMicrosPerDelivery", best.getValue("serverCpuMicrosPerDelivery"));
    }
    JsonObject sb = d.getJsonObject("singleBroadcast");
    if (sb != null) {
      JsonObject lat = sb.getJsonObject("latencyMs", new JsonObject());
      s.put("singleBroadcastP50Ms", lat.getValue("p50"))
          .put("singleBroadcastP99Ms", lat.getValue("p99"))
          .put("singleBroadcastMaxMs", lat.getValue("max"));
    }
    double maxGen = -1;
    double maxOther = -1;
    boolean saturated = false;
    for (Object o : d.getJsonArray("steps", new JsonArray())) {
      JsonObject step = (JsonObject) o;
      maxGen = Math.max(maxGen, LatencySummary.num(step, "generatorCpuPct"));
      maxOther = Math.max(maxOther, LatencySummary.num(step, "otherCpuPct"));
      saturated |= step.getBoolean("generatorSaturated", false);
    }
    if (maxGen >= 0) {
      LatencySummary.put(s, "generatorCpuPctMax", maxGen);
    }
    if (maxOther >= 0) {
      LatencySummary.put(s, "otherCpuPctMax", maxOther);
    }
    s.put("generatorSaturated", saturated);
    return s;
  }

  public static JsonObject combine(List<Run> runs, JsonObject meta) {
    JsonArray summaries = new JsonArray();
    JsonArray data = new JsonArray();
    for (Run r : runs) {
      summaries.add(summary(r));
      data.add(
          new JsonObject()
              .put("server", r.server())
              .put("clients", r.clients())
              .put("file", r.file())
              .put("result", r.data()));
    }
    return new JsonObject()
        .put("tool", "switchboard-bench fanout")
        .put("createdAt", Instant.now().toString())
        .put("meta", meta)
        .put("summary", summaries)
        .put("runs", data);
  }

  /**
   * Prints one block per client count with a column per server, plus a ratio column for two
   * servers.
   */
  public static void print(List<Run> runs, PrintStream out) {
    Set<Integer> counts = new TreeSet<>();
    Set<String> servers = new LinkedHashSet<>();
    for (Run r : runs) {
      counts.add(r.clients());
      servers.add(r.server());
    }
    List<String> cols = new ArrayList<>(servers);
    for (int n : counts) {
      Map<String, JsonObject> byServer = new LinkedHashMap<>();
      for (Run r : runs) {
        if (r.clients() == n) {
          byServer.put(r.server(), summary(r));
        }
      }
      JsonObject any = byServer.values().iterator().next();
      out.printf(
          Locale.ROOT,
          "%nN = %,d clients (pass: >= 99.9%% delivered and p99 < %s ms)%n",
          n,
          fmtNum(any.getValue("p99BoundMs"), 0));
      StringBuilder header = new StringBuilder(String.format(Locale.ROOT, LABEL, ""));
      for (String c : cols) {
        header.append(String.format(Locale.ROOT, " %18s", c));
      }
      boolean ratio = cols.size() == 2;
      if (ratio) {
        header.append(String.format(Locale.ROOT, " %10s", cols.get(1) + "/" + cols.get(0)));
      }
      out.println(header);
      row(out, cols, byServer, "best passing rate (emits/s)", s -> num(s, "bestRate"), 0, ratio);
      row(
          out,
          cols,
          byServer,
          "delivered msgs/s at best",
          s -> num(s, "deliveredPerSec"),
          0,
          ratio);
      rowText(
          out,
          cols,
          byServer,
          "p50 / p99 / p99.9 ms at best",
          s ->
              fmtNum(s.getValue("p50Ms"), 1)
                  + "/"
                  + fmtNum(s.getValue("p99Ms"), 1)
                  + "/"
                  + fmtNum(s.getValue("p999Ms"), 1));
      row(
          out,
          cols,
          byServer,
          "single broadcast p99 ms",
          s -> num(s, "singleBroadcastP99Ms"),
          1,
          ratio);
      rowText(
          out,
          cols,
          byServer,
          "single broadcast p50 / max ms",
          s ->
              fmtNum(s.getValue("singleBroadcastP50Ms"), 1)
                  + "/"
                  + fmtNum(s.getValue("singleBroadcastMaxMs"), 1));
      row(
          out,
          cols,
          byServer,
          "idle RSS per connection (KB)",
          s -> num(s, "rssPerConnectionKb"),
          1,
          ratio);
      row(
          out,
          cols,
          byServer,
          "  the same, idle longer (--idle-seconds)",
          s -> num(s, "rssPerConnectionLaterKb"),
          1,
          ratio);
      row(
          out,
          cols,
          byServer,
          "  the same, settled (--settled-window)",
          s -> num(s, "rssPerConnectionSettledKb"),
          1,
          ratio);
      rowText(
          out,
          cols,
          byServer,
          "server RSS idle / connected / later (MB)",
          s ->
              fmtNum(mb(s.getValue("rssIdleKb")), 0)
                  + "/"
                  + fmtNum(mb(s.getValue("rssConnectedKb")), 0)
                  + "/"
                  + fmtNum(mb(s.getValue("rssConnectedLaterKb")), 0));
      rowText(
          out,
          cols,
          byServer,
          "connect time s (failed)",
          s ->
              fmtNum(s.getValue("connectSeconds"), 1)
                  + " ("
                  + fmtNum(s.getValue("connectFailed"), 0)
                  + ")");
      row(out, cols, byServer, "server CPU % at best", s -> num(s, "serverCpuPct"), 0, false);
      row(
          out,
          cols,
          byServer,
          "server CPU us per delivery at best",
          s -> num(s, "serverCpuMicrosPerDelivery"),
          1,
          ratio);
      row(out, cols, byServer, "generator CPU % at best", s -> num(s, "generatorCpuPct"), 0, false);
      row(
          out,
          cols,
          byServer,
          "generator CPU % max (any step)",
          s -> num(s, "generatorCpuPctMax"),
          0,
          false);
      row(
          out,
          cols,
          byServer,
          "other processes CPU % (max)",
          s -> num(s, "otherCpuPctMax"),
          0,
          false);
      for (String c : cols) {
        JsonObject s = byServer.get(c);
        if (s == null) {
          continue;
        }
        out.printf(
            Locale.ROOT,
            "  %s stopped: %s%n",
            c,
            s.containsKey("error") ? s.getString("error") : s.getValue("stoppedBecause"));
        if (s.getBoolean("generatorSaturated", false)) {
          out.printf(
              Locale.ROOT,
              "  %s: WARNING the generator's CPU was saturated in some step: its figures may be the generator's limit%n",
              c);
        }
        if (num(s, "otherCpuPctMax") > 20) {
          out.printf(
              Locale.ROOT,
              "  %s: WARNING other processes used up to %.0f%% CPU during the run: figures are noisy%n",
              c,
              num(s, "otherCpuPctMax"));
        }
      }
    }
  }

  private static void row(
      PrintStream out,
      List<String> cols,
      Map<String, JsonObject> byServer,
      String label,
      Function<JsonObject, Double> value,
      int decimals,
      boolean ratio) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, LABEL, label));
    List<Double> values = new ArrayList<>();
    for (String c : cols) {
      JsonObject s = byServer.get(c);
      double v = s == null ? Double.NaN : value.apply(s);
      values.add(v);
      sb.append(String.format(Locale.ROOT, " %18s", fmtNum(v, decimals)));
    }
    if (ratio) {
      double a = values.get(0);
      double b = values.get(1);
      sb.append(
          String.format(
              Locale.ROOT,
              " %10s",
              Double.isNaN(a) || Double.isNaN(b) || a == 0
                  ? "-"
                  : String.format(Locale.ROOT, "%.2fx", b / a)));
    }
    out.println(sb);
  }

  private static void rowText(
      PrintStream out,
      List<String> cols,
      Map<String, JsonObject> byServer,
      String label,
      Function<JsonObject, String> value) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, LABEL, label));
    for (String c : cols) {
      JsonObject s = byServer.get(c);
      sb.append(String.format(Locale.ROOT, " %18s", s == null ? "-" : value.apply(s)));
    }
    out.println(sb);
  }

  static double num(JsonObject o, String key) {
    return LatencySummary.num(o, key);
  }

  private static Object mb(Object kb) {
    return kb instanceof Number n && n.doubleValue() >= 0 ? n.doubleValue() / 1024 : null;
  }

  static String fmtNum(Object v, int decimals) {
    if (!(v instanceof Number n) || Double.isNaN(n.doubleValue()) || n.doubleValue() < 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%,." + decimals + "f", n.doubleValue());
  }
}
