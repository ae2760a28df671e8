package dev.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The measuring half of {@code bench/footprint.sh}, which starts the processes and hands over their
 * pids. Three modes, each printing one JSON object per process measured:
 *
 * <pre>
 * Footprint idle DEPLOYMENT SECONDS NAME=PID,... [PG_DATA_DIR]
 *     CPU of each process over SECONDS (utime + stime from /proc/PID/stat), then its settled RSS;
 *     with PG_DATA_DIR also the summed RSS of the embedded PostgreSQL started from that directory
 * Footprint load DEPLOYMENT SECONDS NAME=PID,... HOST:PORT TOKEN CLIENTS
 *     opens CLIENTS websocket clients on the hub's /system namespace, each subscribed to the host
 *     samples, waits until every one has received a sample, then takes the CPU of each process
 *     over SECONDS while the samples flow, and counts the samples the clients received meanwhile
 * Footprint report RESULTS.jsonl OUT.json MACHINE_NOTE
 *     prints the table of everything measured and writes it as one JSON document
 * </pre>
 */
public final class Footprint {

  private static final long SETTLE_PERIOD_MS = 500;
  private static final long SETTLE_MAX_MS = 10_000;
  private static final long SETTLE_TOLERANCE_KB = 512;
  private static final int MAX_INFLIGHT = 100;

  private Footprint() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
    }
    switch (args[0]) {
      case "idle" -> {
        if (args.length != 4 && args.length != 5) {
          usage();
        }
        idle(args[1], Long.parseLong(args[2]), pids(args[3]), args.length == 5 ? args[4] : null);
      }
      case "load" -> {
        if (args.length != 7) {
          usage();
        }
        load(
            args[1],
            Long.parseLong(args[2]),
            pids(args[3]),
            args[4],
            args[5],
            Integer.parseInt(args[6]));
      }
      case "report" -> {
        if (args.length != 4) {
          usage();
        }
        report(Path.of(args[1]), Path.of(args[2]), args[3]);
      }
      default -> usage();
    }
    System.exit(0);
  }

  private static void usage() {
    System.err.println(
        "usage: Footprint idle DEPLOYMENT SECONDS NAME=PID,... [PG_DATA_DIR]\n"
            + "       Footprint load DEPLOYMENT SECONDS NAME=PID,... HOST:PORT TOKEN CLIENTS\n"
            + "       Footprint report RESULTS.jsonl OUT.json MACHINE_NOTE");
    System.exit(64);
  }

  /** {@code gateway=123,ws-hub=456} in order. */
  static Map<String, Long> pids(String list) {
    Map<String, Long> pids = new LinkedHashMap<>();
    for (String pair : list.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("not NAME=PID: " + pair);
      }
      pids.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
    }
    return pids;
  }

  private static void idle(String deployment, long seconds, Map<String, Long> pids, String pgDir)
      throws InterruptedException {
    Map<String, Double> cpu = cpuOver(pids, seconds);
    for (Map.Entry<String, Long> p : pids.entrySet()) {
      long pid = p.getValue();
      long rssKb =
          ProcStats.settledRssKb(
              () -> ProcStats.rssKb(pid), SETTLE_PERIOD_MS, SETTLE_MAX_MS, SETTLE_TOLERANCE_KB);
      JsonObject line =
          new JsonObject()
              .put("phase", "idle")
              .put("deployment", deployment)
              .put("process", p.getKey())
              .put("seconds", seconds)
              .put("cpuPercent", round(cpu.get(p.getKey())))
              .put("rssMiB", round(rssKb / 1024.0));
      if (pgDir != null) {
        List<Long> postgres =
            IdleRss.withDescendants(
                IdleRss.processesMentioning(pgDir, List.of(pid, ProcessHandle.current().pid())));
        long pgKb = postgres.stream().mapToLong(ProcStats::rssKb).filter(kb -> kb > 0).sum();
        line.put("postgresProcesses", postgres.size()).put("postgresRssMiB", round(pgKb / 1024.0));
      }
      System.out.println(line.encode());
    }
  }

  /** CPU of each process over the period, in percent of one core. */
  private static Map<String, Double> cpuOver(Map<String, Long> pids, long seconds)
      throws InterruptedException {
    Map<String, Long> before = new LinkedHashMap<>();
    pids.forEach((name, pid) -> before.put(name, ProcStats.cpuTicks(pid)));
    long t0 = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    long wall = System.nanoTime() - t0;
    Map<String, Double> cpu = new LinkedHashMap<>();
    pids.forEach(
        (name, pid) ->
            cpu.put(name, ProcStats.cpuPercent(before.get(name), ProcStats.cpuTicks(pid), wall)));
    return cpu;
  }

  private static void load(
      String deployment,
      long seconds,
      Map<String, Long> pids,
      String hostPort,
      String token,
      int clients)
      throws Exception {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    Vertx vertx = Vertx.vertx();
    AtomicInteger subscribed = new AtomicInteger();
    AtomicInteger sampled = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong samples = new AtomicLong();
    Semaphore inflight = new Semaphore(MAX_INFLIGHT);
    WebSocketClient client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setMaxConnections(clients + 16)
                .setConnectTimeout(10_000)
                .setMaxFrameSize(1 << 20)
                .setMaxMessageSize(4 << 20)
                .setClosingTimeout(1));
    WebSocketConnectOptions connect =
        new WebSocketConnectOptions()
            .setHost(host)
            .setPort(port)
            .setURI(SioFrames.websocketUri("/socket.io"))
            .setTimeout(10_000);
    String connectFrame = SioFrames.connectFrame("/system", token);
    String subscribe = "42/system,1[\"subscribe:stats\"]";
    String statsPrefix = SioFrames.eventPrefix("/system", "stats");
    List<WebSocket> sockets = new ArrayList<>();
    long connectStart = System.nanoTime();
    for (int i = 0; i < clients; i++) {
      inflight.acquire();
      Future<WebSocket> opened = client.connect(connect);
      opened.onComplete(
          r -> {
            if (r.failed()) {
              failed.incrementAndGet();
              inflight.release();
              return;
            }
            WebSocket ws = r.result();
            synchronized (sockets) {
              sockets.add(ws);
            }
            boolean[] counted = {false, false};
            ws.textMessageHandler(
                text -> {
                  char type = text.isEmpty() ? ' ' : text.charAt(0);
                  if (type == SioFrames.EIO_PING) {
                    ws.writeTextMessage(SioFrames.PONG);
                  } else if (type == SioFrames.EIO_OPEN) {
                    ws.writeTextMessage(connectFrame);
                  } else if (text.startsWith("40/system,")) {
                    ws.writeTextMessage(subscribe);
                  } else if (text.startsWith("43/system,1")) {
                    if (!counted[0]) {
                      counted[0] = true;
                      subscribed.incrementAndGet();
                      inflight.release();
                    }
                  } else if (text.startsWith(statsPrefix)) {
                    samples.incrementAndGet();
                    if (!counted[1]) {
                      counted[1] = true;
                      sampled.incrementAndGet();
                    }
                  } else if (text.startsWith("44/system,")) {
                    System.err.println("Footprint: connect refused: " + text);
                    failed.incrementAndGet();
                    inflight.release();
                    ws.close();
                  }
                });
            ws.closeHandler(
                v -> {
                  if (!counted[0]) {
                    failed.incrementAndGet();
                    inflight.release();
                  }
                });
          });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (subscribed.get() + failed.get() < clients && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
    // every client has had a sample: the stream flows to all of them
    while (sampled.get() < subscribed.get() && System.nanoTime() < deadline + 30_000_000_000L) {
      Thread.sleep(100);
    }
    System.err.printf(
        "Footprint: %d clients subscribed in %.1f s (%d failed), %d have had a sample%n",
        subscribed.get(), connectSeconds, failed.get(), sampled.get());
    long samplesBefore = samples.get();
    long t0 = System.nanoTime();
    Map<String, Double> cpu = cpuOver(pids, seconds);
    double wall = (System.nanoTime() - t0) / 1e9;
    long received = samples.get() - samplesBefore;
    int connected = subscribed.get();
    for (Map.Entry<String, Long> p : pids.entrySet()) {
      System.out.println(
          new JsonObject()
              .put("phase", "load")
              .put("deployment", deployment)
              .put("process", p.getKey())
              .put("seconds", seconds)
              .put("clients", connected)
              .put("clientsFailed", failed.get())
              .put("samplesPerClientPerSecond", round(received / Math.max(1, connected) / wall))
              .put("cpuPercent", round(cpu.get(p.getKey())))
              .put("rssMiB", round(ProcStats.rssKb(p.getValue()) / 1024.0))
              .encode());
    }
    synchronized (sockets) {
      sockets.forEach(WebSocket::close);
    }
    vertx.close().await();
  }

  private static double round(Double value) {
    return value == null ? -1 : Math.round(value * 10) / 10.0;
  }

  /**
   * The table and the JSON document: one row per deployment and process, with its cold start (from
   * the {@code start} lines the script writes), idle RSS and CPU, and CPU under load.
   */
  static void report(Path results, Path out, String machine) throws IOException {
    Map<String, JsonObject> rows = new LinkedHashMap<>();
    for (String text : Files.readAllLines(results, StandardCharsets.UTF_8)) {
      if (text.isBlank()) {
        continue;
      }
      JsonObject line = new JsonObject(text);
      String key = line.getString("deployment") + "/" + line.getString("process");
      JsonObject row =
          rows.computeIfAbsent(
              key,
              k ->
                  new JsonObject()
                      .put("deployment", line.getString("deployment"))
                      .put("process", line.getString("process")));
      switch (line.getString("phase")) {
        case "start" ->
            row.put("coldStartSeconds", line.getDouble("seconds"))
                .put("coldStartCpuSeconds", line.getDouble("cpuSeconds"));
        case "idle" -> {
          row.put("idleRssMiB", line.getDouble("rssMiB"))
              .put("idleCpuPercent", line.getDouble("cpuPercent"))
              .put("idleSeconds", line.getLong("seconds"));
          if (line.containsKey("postgresRssMiB")) {
            row.put("postgresRssMiB", line.getDouble("postgresRssMiB"))
                .put("postgresProcesses", line.getInteger("postgresProcesses"));
          }
        }
        case "load" ->
            row.put("loadCpuPercent", line.getDouble("cpuPercent"))
                .put("loadRssMiB", line.getDouble("rssMiB"))
                .put("loadSeconds", line.getLong("seconds"))
                .put("clients", line.getInteger("clients"))
                .put("samplesPerClientPerSecond", line.getDouble("samplesPerClientPerSecond"));
        default -> throw new IllegalArgumentException("unknown phase in " + text);
      }
    }
    StringBuilder table = new StringBuilder();
    table.append(
        String.format(
            Locale.ROOT,
            "%-8s %-15s %12s %12s %14s %14s %16s%n",
            "layout",
            "process",
            "cold start s",
            "its CPU s",
            "idle RSS MiB",
            "idle CPU %",
            "load CPU %"));
    for (JsonObject row : rows.values()) {
      table.append(
          String.format(
              Locale.ROOT,
              "%-8s %-15s %12s %12s %14s %14s %16s%n",
              row.getString("deployment"),
              row.getString("process"),
              figure(row, "coldStartSeconds"),
              figure(row, "coldStartCpuSeconds"),
              figure(row, "idleRssMiB")
                  + (row.containsKey("postgresRssMiB")
                      ? " +" + figure(row, "postgresRssMiB") + " pg"
                      : ""),
              figure(row, "idleCpuPercent"),
              figure(row, "loadCpuPercent")));
    }
    System.out.print(table);
    JsonObject doc =
        new JsonObject()
            .put("benchmark", "footprint")
            .put("date", Instant.now().toString())
            .put("machine", machine)
            .put("rows", new JsonArray(new ArrayList<>(rows.values())));
    Files.writeString(out, doc.encodePrettily() + "\n", StandardCharsets.UTF_8);
  }

  private static String figure(JsonObject row, String key) {
    Object value = row.getValue(key);
    return value == null ? "-" : String.format(Locale.ROOT, "%.1f", ((Number) value).doubleValue());
  }
}
