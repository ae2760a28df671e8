package dev.switchboard.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.switchboard.common.Trees;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.migrations.Migrations;
import dev.switchboard.pg.EmbeddedPostgres;
import dev.switchboard.supervisor.SupervisorVerticle;
import dev.switchboard.supervisor.logs.LogPipeline;
import dev.switchboard.supervisor.logs.LogStore;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.HdrHistogram.Histogram;

/**
 * Log throughput of the supervisor: a managed service prints at a given rate for a while, and this
 * measures how many lines a second the supervisor read, stored in PostgreSQL and delivered live,
 * how many it dropped, the read→delivered latency, the event-loop stalls and the memory over the
 * flood.
 *
 * <p>Everything runs in this JVM but PostgreSQL (embedded, or {@code DATABASE_URL}, where a fresh
 * database is created and dropped) and the producer (a child process of the supervisor, like any
 * managed service): the supervisor verticle as the launcher deploys it, with the Prometheus
 * registry, so its {@code supervisor.log.lines} counters ({@code
 * switchboard_supervisor_log_lines_total} in Prometheus) are read directly. See {@code
 * bench/logs.sh}.
 */
public final class LogBench {

  private static final long SAMPLE_MS = 250;

  /** What to run. */
  record Options(
      List<String> rates,
      int seconds,
      int bytes,
      List<Integer> bufferLines,
      long maxLines,
      int drainSeconds,
      Path json,
      int probeSeconds,
      int warmupSeconds) {}

  private LogBench() {}

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    Path root = Files.createTempDirectory("logbench-");
    // as root, the embedded server runs as 'nobody' and must traverse it
    Files.setAttribute(root, "unix:mode", 0711);
    EmbeddedPostgres pg = null;
    String external = System.getenv("DATABASE_URL");
    String url;
    String createdDb = null;
    Vertx vertx = Telemetry.vertxBuilder(SupervisorVerticle.NAME, new VertxOptions()).build();
    if (BackendRegistries.getDefaultNow() == null) {
      System.err.println(
          "logbench: no metrics registry; the read/stored/dropped counters will read 0");
    }
    GcWatch gc = new GcWatch();
    Pool pool = null;
    try {
      if (external != null && !external.isBlank()) {
        createdDb =
            "logbench_"
                + ProcessHandle.current().pid()
                + "_"
                + System.currentTimeMillis() % 100_000;
        url = createDatabase(vertx, external.trim(), createdDb);
      } else {
        pg = EmbeddedPostgres.start(root.resolve("pg"));
        url = pg.url();
      }
      Migrations.migrate(url, "supervisor");
      pool = Database.pool(vertx, url, 2, "logbench");
      JsonObject meta = meta(o, pool);
      List<JsonObject> runs = new ArrayList<>();
      for (int buffer : o.bufferLines()) {
        SupervisorVerticle verticle = new SupervisorVerticle();
        JsonObject config =
            new JsonObject()
                .put("dataDir", root.resolve("data-" + buffer).toString())
                .put("database", new JsonObject().put("url", url).put("poolSize", 4))
                .put(
                    "logs",
                    new JsonObject()
                        .put("bufferLines", buffer)
                        .put("maxLines", Integer.MAX_VALUE)
                        .put("maxBytes", Long.MAX_VALUE));
        String deployment =
            vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await();
        StallProbe stall = StallProbe.start(vertx, contextOf(verticle));
        if (o.warmupSeconds() > 0 && !o.rates().isEmpty()) {
          // the JIT compiles the reading, storing and publishing paths before anything counts
          System.err.println(
              "logbench: warm-up, " + o.warmupSeconds() + " s at 20,000 lines/s (not reported)");
          run(vertx, pool, stall, gc, "20000", "warmup", o.warmupSeconds(), buffer, o, root);
        }
        for (String rate : o.rates()) {
          JsonObject run = run(vertx, pool, stall, gc, rate, "flood", o.seconds(), buffer, o, root);
          if (pg == null) {
            run.putNull("pgCpuPercent");
          }
          runs.add(run);
          System.err.println(
              "logbench: "
                  + run.getString("name")
                  + " done: read "
                  + run.getValue("readRate")
                  + "/s, stored "
                  + run.getValue("storedRate")
                  + "/s, dropped "
                  + run.getValue("droppedPercent")
                  + " %");
        }
        vertx.undeploy(deployment).await();
      }
      JsonObject probe = null;
      if (o.probeSeconds() > 0) {
        probe = InsertProbe.run(vertx, url, o.probeSeconds(), o.bytes(), root.resolve("pg"));
      }
      System.out.println();
      LogReport.print(runs, System.out);
      if (probe != null) {
        System.out.println();
        InsertProbe.print(probe, System.out);
      }
      JsonObject result = new JsonObject().put("meta", meta).put("runs", new JsonArray(runs));
      if (probe != null) {
        result.put("insertProbe", probe);
      }
      if (o.json() != null) {
        if (o.json().getParent() != null) {
          Files.createDirectories(o.json().getParent());
        }
        Files.writeString(o.json(), result.encodePrettily() + "\n", StandardCharsets.UTF_8);
        System.out.println("wrote " + o.json());
      }
    } finally {
      if (pool != null) {
        pool.close().await();
      }
      if (createdDb != null) {
        dropDatabase(vertx, external.trim(), createdDb);
      }
      vertx.close().await();
      if (pg != null) {
        pg.close();
      }
      deleteRecursively(root);
    }
  }

  // ------------------------------------------------------------------------------------------ a
  // run

  private static JsonObject run(
      Vertx vertx,
      Pool pool,
      StallProbe stall,
      GcWatch gc,
      String rate,
      String prefix,
      int seconds,
      int buffer,
      Options o,
      Path root)
      throws IOException {
    boolean max = rate.equals("max");
    long perSecond = max ? 0 : parseRate(rate);
    String name = (prefix + "-" + rate + "-b" + buffer).toLowerCase(Locale.ROOT);
    long expected = max ? o.maxLines() : perSecond * seconds;
    Path report = root.resolve(name + ".json");
    String command;
    if (max) {
      String text = new String(LogProducer.template(o.bytes()), StandardCharsets.US_ASCII).strip();
      command = "yes '" + text + "' | head -n " + expected;
    } else {
      String java = ProcessHandle.current().info().command().orElse("java");
      command =
          "exec "
              + quote(java)
              + " -Xmx32m -XX:+UseSerialGC -cp "
              + quote(System.getProperty("java.class.path"))
              + " "
              + LogProducer.class.getName()
              + " "
              + perSecond
              + " "
              + seconds
              + " "
              + o.bytes()
              + " "
              + quote(report.toString());
    }
    double otherCpu = otherCpuPercent(2000);

    LiveCounter live = new LiveCounter();
    MessageConsumer<JsonObject> consumer =
        vertx.eventBus().consumer(Addresses.serviceLogs(name), m -> live.accept(m.body()));
    consumer.completion().await();

    long heapBefore = gc.collectNow();
    long rssBefore = ProcStats.rssKb(0);
    long read0 = counter("read");
    long stored0 = counter("stored");
    long dropped0 = counter("dropped");
    stall.reset();

    request(
        vertx,
        Addresses.SUPERVISOR_SERVICES_CREATE,
        new JsonObject()
            .put("name", name)
            .put("shell", true)
            .put("command", command)
            .put("restart", "no"));
    long t0 = System.nanoTime();
    long gcFrom = gc.count();
    CpuSnapshot cpu0 = CpuSnapshot.take(stall, root.resolve("pg"));
    CpuSnapshot cpu1 = null;
    request(vertx, Addresses.SUPERVISOR_SERVICES_START, new JsonObject().put("name", name));

    List<LogReport.Sample> samples = new ArrayList<>();
    long statusMaxUs = 0;
    long producerDoneMs = -1;
    long hardLimitMs = (seconds + 60L) * 1000;
    boolean timedOut = false;
    long quietSinceMs = -1;
    LogReport.Sample last = null;
    while (true) {
      sleep(SAMPLE_MS);
      long tMs = (System.nanoTime() - t0) / 1_000_000;
      LogReport.Sample s =
          new LogReport.Sample(
              tMs,
              counter("read") - read0,
              counter("stored") - stored0,
              counter("dropped") - dropped0,
              live.lines.get(),
              live.skipped.get(),
              ProcStats.rssKb(0),
              heapUsedKb());
      samples.add(s);
      if (producerDoneMs < 0) {
        long before = System.nanoTime();
        String state =
            request(vertx, Addresses.SUPERVISOR_SERVICES_GET, new JsonObject().put("name", name))
                .getString("state");
        statusMaxUs = Math.max(statusMaxUs, (System.nanoTime() - before) / 1000);
        if (Set.of("stopped", "failed", "errored").contains(state)) {
          producerDoneMs = tMs;
          cpu1 = CpuSnapshot.take(stall, root.resolve("pg"));
        } else if (tMs > hardLimitMs) {
          timedOut = true;
          request(vertx, Addresses.SUPERVISOR_SERVICES_STOP, new JsonObject().put("name", name));
          producerDoneMs = tMs;
          cpu1 = CpuSnapshot.take(stall, root.resolve("pg"));
        }
      } else {
        // drained: everything read is stored or dropped, and nothing moved for a second
        boolean moved =
            last == null
                || s.stored() != last.stored()
                || s.delivered() + s.skipped() != last.delivered() + last.skipped()
                || s.read() != last.read();
        if (moved) {
          quietSinceMs = -1;
        } else if (quietSinceMs < 0) {
          quietSinceMs = tMs;
        }
        boolean settled =
            s.stored() + s.dropped() >= s.read() && quietSinceMs >= 0 && tMs - quietSinceMs >= 1000;
        if (settled || tMs - producerDoneMs > o.drainSeconds() * 1000L) {
          break;
        }
      }
      last = s;
    }
    List<long[]> gcs = gc.since(gcFrom, t0);
    long heapAfter = gc.collectNow();
    long rssAfter = ProcStats.rssKb(0);
    Histogram stalls = stall.snapshot();
    consumer.unregister().await();

    long[] db = stored(pool, "service:" + name);
    JsonObject producer =
        max || !Files.exists(report) ? null : new JsonObject(Files.readString(report));
    request(vertx, Addresses.SUPERVISOR_SERVICES_DELETE, new JsonObject().put("name", name));
    pool.query("TRUNCATE supervisor.log_lines").execute().await();

    LogReport.Sample end = samples.get(samples.size() - 1);
    LogReport.Span readSpan = LogReport.span(samples, LogReport.Sample::read);
    LogReport.Span storedSpan = LogReport.span(samples, LogReport.Sample::stored);
    double readSeconds = readSpan == null ? 0 : readSpan.seconds();
    long floodFrom = readSpan == null ? 0 : readSpan.fromMs();
    long floodTo = readSpan == null ? end.tMs() : readSpan.toMs();
    long third = (floodTo - floodFrom) / 3;
    long rssEarly = LogReport.max(samples, floodFrom, floodFrom + third, LogReport.Sample::rssKb);
    long rssLate = LogReport.max(samples, floodTo - third, floodTo + 1, LogReport.Sample::rssKb);
    long rssPeak = LogReport.max(samples, 0, Long.MAX_VALUE, LogReport.Sample::rssKb);
    long heapEarly = maxHeap(gcs, floodFrom, floodFrom + third);
    long heapLate = maxHeap(gcs, floodTo - third, floodTo + 1);
    LatencySummary latency = LatencySummary.of(live.histogram());
    LatencySummary stallSummary = LatencySummary.of(stalls);

    long produced = producer != null ? producer.getLong("lines") : max ? expected : -1;
    JsonObject r =
        new JsonObject()
            .put("name", name)
            .put("rate", rate)
            .put("bufferLines", buffer)
            .put("seconds", seconds)
            .put("bytes", o.bytes())
            .put("produced", produced)
            .put(
                "producedRate",
                producer != null
                    ? round(producer.getDouble("achievedRate"))
                    : round(LogReport.rate(end.read(), readSeconds)))
            .put(
                "producerMaxBehindLines",
                producer == null ? null : producer.getLong("maxBehindLines"))
            .put("read", end.read())
            .put("readSeconds", readSeconds)
            .put("readRate", round(LogReport.rate(end.read(), readSeconds)))
            .put(
                "storedRateDuringFlood",
                round(
                    LogReport.rate(
                        LogReport.at(samples, floodTo, LogReport.Sample::stored), readSeconds)))
            .put(
                "storedRate",
                round(storedSpan == null ? 0 : LogReport.rate(end.stored(), storedSpan.seconds())))
            .put("stored", db[0])
            .put("droppedNotes", db[1])
            .put("droppedMetric", end.dropped())
            .put("droppedPercent", round(LogReport.percent(db[1], end.read())))
            .put(
                "accounted",
                db[0] + db[1] == end.read() && (produced < 0 || produced == end.read())
                    ? "yes"
                    : "NO " + (db[0] + db[1]) + "/" + end.read())
            .put("delivered", end.delivered())
            .put("skipped", end.skipped())
            .put("deliveredRate", round(LogReport.rate(end.delivered(), readSeconds)))
            .put(
                "liveAccounted",
                liveAccounted(end.delivered() + end.skipped(), end.read(), end.dropped()))
            .put("latencyMs", latency.toJson())
            .put("latencyP50Ms", latency.p50())
            .put("latencyP99Ms", latency.p99())
            .put("latencyMaxMs", latency.max())
            .put("stallMs", stallSummary.toJson())
            .put("stallP99Ms", stallSummary.p99())
            .put("stallMaxMs", stallSummary.max())
            .put("statusMaxMs", statusMaxUs / 1000.0)
            .put(
                "drainSeconds",
                storedSpan == null ? 0.0 : Math.max(0, storedSpan.toMs() - floodTo) / 1000.0)
            .put("timedOut", timedOut)
            .put("heapBeforeMb", mb(heapBefore))
            .put("heapEarlyMb", mb(heapEarly))
            .put("heapLateMb", mb(heapLate))
            .put("heapEarlyLateMb", mb(heapEarly) + " / " + mb(heapLate))
            .put("heapAfterMb", mb(heapAfter))
            .put("rssBeforeMb", mb(rssBefore))
            .put("rssEarlyMb", mb(rssEarly))
            .put("rssLateMb", mb(rssLate))
            .put("rssPeakMb", mb(rssPeak))
            .put("rssEarlyLatePeakMb", mb(rssEarly) + " / " + mb(rssLate) + " / " + mb(rssPeak))
            .put("rssAfterMb", mb(rssAfter))
            .put("gcCount", gcs.size())
            .put("gcMaxPauseMs", gcs.stream().mapToLong(g -> g[2]).max().orElse(0))
            // RSS flat over the flood, and nothing kept once it is over; heap after a young GC is
            // not the
            // test: it climbs with what gets promoted until the next full collection
            .put(
                "memoryBounded",
                LogReport.bounded(rssEarly, rssLate, 32 * 1024)
                        && LogReport.bounded(heapBefore, heapAfter, 16 * 1024)
                    ? "yes"
                    : "NO")
            .put("otherCpuPercent", round(otherCpu))
            .put("jvmCpuPercent", round(cpu0.jvmPercent(cpu1)))
            .put("eventLoopCpuPercent", round(cpu0.eventLoopPercent(cpu1)))
            .put("pgCpuPercent", round(cpu0.pgPercent(cpu1)))
            .put("producer", producer)
            .put(
                "samples",
                new JsonArray(
                    samples.stream()
                        .map(
                            s ->
                                new JsonObject()
                                    .put("t", s.tMs())
                                    .put("read", s.read())
                                    .put("stored", s.stored())
                                    .put("dropped", s.dropped())
                                    .put("delivered", s.delivered())
                                    .put("skipped", s.skipped())
                                    .put("rssKb", s.rssKb())
                                    .put("heapUsedKb", s.heapUsedKb()))
                        .toList()));
    return r;
  }

  /**
   * Whether every line read went out live (delivered, or counted in a batch's {@code skipped}), but
   * for those dropped before they left the per-source buffer (at most {@code dropped}, which also
   * counts the lines dropped later from the database backlog, after they were published). The live
   * stream also carries the supervisor's few notes (started, exited): up to 5 more is right.
   */
  static String liveAccounted(long live, long read, long dropped) {
    return live >= read - dropped && live <= read + 5 ? "yes" : "NO " + live + "/" + read;
  }

  /** {stdout rows stored, lines the drop notes report}. */
  private static long[] stored(Pool pool, String source) {
    LogStore.Accounting counted = new LogStore(pool).accounting(source).await();
    return new long[] {counted.stored(), counted.dropped()};
  }

  private static long maxHeap(List<long[]> gcs, long fromMs, long toMs) {
    long max = -1;
    for (long[] g : gcs) {
      if (g[0] >= fromMs && g[0] < toMs) {
        max = Math.max(max, g[1]);
      }
    }
    return max;
  }

  private static long counter(String outcome) {
    Counter lines =
        Telemetry.registry()
            .find(Telemetry.exported(LogPipeline.LINES_METER))
            .tag("outcome", outcome)
            .counter();
    return lines == null ? 0 : (long) lines.count();
  }

  private static JsonObject request(Vertx vertx, String address, JsonObject body) {
    return Bus.request(vertx, address, body, Duration.ofSeconds(30)).await();
  }

  private static long heapUsedKb() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
  }

  /** CPU the whole machine used over {@code ms} while this benchmark idles, in % of one core. */
  private static double otherCpuPercent(long ms) {
    long a = ProcStats.systemBusyTicks();
    long self = ProcStats.cpuTicks(0);
    long start = System.nanoTime();
    sleep(ms);
    long b = ProcStats.systemBusyTicks();
    long selfB = ProcStats.cpuTicks(0);
    if (a < 0 || b < 0) {
      return Double.NaN;
    }
    // never below 0: this JVM's own background threads are subtracted from a coarse total
    return Math.max(0, ProcStats.cpuPercent(a, b - (selfB - self), System.nanoTime() - start));
  }

  // --------------------------------------------------------------------------------------- helpers

  /**
   * The event-loop context a verticle was deployed on (VerticleBase keeps it in a protected field).
   */
  static Context contextOf(VerticleBase verticle) throws ReflectiveOperationException {
    var field = VerticleBase.class.getDeclaredField("context");
    field.setAccessible(true);
    return (Context) field.get(verticle);
  }

  /** "10000", "10k", "1.5k", "1m". */
  static long parseRate(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    double factor = 1;
    if (t.endsWith("k")) {
      factor = 1_000;
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      factor = 1_000_000;
      t = t.substring(0, t.length() - 1);
    }
    long rate = Math.round(Double.parseDouble(t) * factor);
    if (rate <= 0) {
      throw new IllegalArgumentException("a rate must be positive, or max: " + text);
    }
    return rate;
  }

  static Options parse(String[] args) {
    List<String> rates = List.of("10000", "50000", "100000", "max");
    int seconds = 20;
    int bytes = 100;
    List<Integer> buffers = List.of(20_000);
    long maxLines = 2_000_000;
    int drain = 60;
    Path json = null;
    int probe = 0;
    int warmup = 5;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--rates" ->
            rates =
                Arrays.stream(args[++i].split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .map(s -> s.equalsIgnoreCase("max") ? "max" : Long.toString(parseRate(s)))
                    .toList();
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--bytes" -> bytes = Integer.parseInt(args[++i]);
        case "--buffer-lines" ->
            buffers =
                Arrays.stream(args[++i].split(","))
                    .map(String::trim)
                    .map(Integer::parseInt)
                    .toList();
        case "--max-lines" -> maxLines = Long.parseLong(args[++i]);
        case "--drain-seconds" -> drain = Integer.parseInt(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        case "--insert-probe-seconds" -> probe = Integer.parseInt(args[++i]);
        case "--warmup-seconds" -> warmup = Integer.parseInt(args[++i]);
        case "-h", "--help" -> {
          System.out.println(
              """
            LogBench [--rates 10000,50000,100000,max] [--seconds 20] [--bytes 100] [--buffer-lines 20000[,...]]
                     [--max-lines 2000000] [--drain-seconds 60] [--insert-probe-seconds 0] [--warmup-seconds 5] [--json FILE]
            Uses DATABASE_URL when set (a fresh database is created there and dropped), else an embedded PostgreSQL.""");
          System.exit(0);
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + " (see --help)");
      }
    }
    if (seconds < 1
        || seconds > 600
        || bytes < 16
        || bytes > 16 * 1024
        || maxLines < 1
        || maxLines > 100_000_000) {
      throw new IllegalArgumentException(
          "--seconds 1..600, --bytes 16..16384, --max-lines 1..100000000");
    }
    return new Options(rates, seconds, bytes, buffers, maxLines, drain, json, probe, warmup);
  }

  private static JsonObject meta(Options o, Pool pool) {
    String version =
        pool.query("SELECT version()").execute().await().iterator().next().getString(0);
    String cpu = "unknown";
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      cpu =
          lines
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.replaceFirst(".*:\\s*", ""))
              .orElse(cpu);
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return new JsonObject()
        .put("date", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME))
        .put("cpus", Runtime.getRuntime().availableProcessors())
        .put("cpu", cpu)
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("jvmArgs", new JsonArray(ManagementFactory.getRuntimeMXBean().getInputArguments()))
        .put("postgres", version)
        .put("database", System.getenv("DATABASE_URL") == null ? "embedded" : "DATABASE_URL")
        .put("rates", new JsonArray(o.rates()))
        .put("seconds", o.seconds())
        .put("bytes", o.bytes())
        .put("bufferLines", new JsonArray(o.bufferLines()))
        .put("maxLines", o.maxLines());
  }

  private static String createDatabase(Vertx vertx, String serverUrl, String name) {
    Pool admin = Database.pool(vertx, serverUrl, 1, "logbench-admin");
    try {
      admin.query("CREATE DATABASE " + name + " TEMPLATE template0").execute().await();
    } finally {
      admin.close().await();
    }
    URI u = URI.create(serverUrl);
    return u.getScheme()
        + "://"
        + (u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@")
        + u.getHost()
        + (u.getPort() < 0 ? "" : ":" + u.getPort())
        + "/"
        + name
        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
  }

  private static void dropDatabase(Vertx vertx, String serverUrl, String name) {
    Pool admin = Database.pool(vertx, serverUrl, 1, "logbench-admin");
    try {
      admin.query("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").execute().await();
    } catch (RuntimeException e) {
      System.err.println("logbench: could not drop database " + name + ": " + e.getMessage());
    } finally {
      admin.close().await();
    }
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static double mb(long kb) {
    return kb < 0 ? Double.NaN : Math.round(kb / 102.4) / 10.0;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path root) {
    try {
      Trees.delete(root);
    } catch (IOException | RuntimeException e) {
      System.err.println("logbench: could not delete " + root + ": " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------ the probes

  /** Counts live batches and records read→delivered latency from each line's {@code ts}. */
  static final class LiveCounter {
    final AtomicLong lines = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    private final Histogram histogram = LatencySummary.newHistogram();

    void accept(JsonObject batch) {
      Instant now = Instant.now();
      long nowUs = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
      JsonArray array = batch.getJsonArray("lines");
      synchronized (histogram) {
        for (int i = 0; i < array.size(); i++) {
          Instant ts = Instant.parse(array.getJsonObject(i).getString("ts"));
          histogram.recordValue(
              Math.max(0, nowUs - (ts.getEpochSecond() * 1_000_000L + ts.getNano() / 1000)));
        }
      }
      lines.addAndGet(array.size());
      skipped.addAndGet(batch.getLong("skipped", 0L));
    }

    Histogram histogram() {
      synchronized (histogram) {
        return histogram.copy();
      }
    }
  }

  /** A 10 ms periodic timer on the supervisor's own event loop that records how late it fires. */
  static final class StallProbe {
    private static final long PERIOD_MS = 10;
    private final Context context;
    private final Histogram histogram = LatencySummary.newHistogram();
    private long last;
    private volatile long threadId = -1;

    private StallProbe(Context context) {
      this.context = context;
    }

    static StallProbe start(Vertx vertx, Context context) {
      StallProbe probe = new StallProbe(context);
      context.runOnContext(
          v -> {
            probe.threadId = Thread.currentThread().getId();
            probe.last = System.nanoTime();
            vertx.setPeriodic(
                PERIOD_MS,
                id -> {
                  long now = System.nanoTime();
                  probe.histogram.recordValue(
                      Math.max(0, (now - probe.last) / 1000 - PERIOD_MS * 1000));
                  probe.last = now;
                });
          });
      return probe;
    }

    /** CPU time of the event-loop thread so far; -1 when unknown. */
    long threadCpuNanos() {
      return threadId < 0 ? -1 : ManagementFactory.getThreadMXBean().getThreadCpuTime(threadId);
    }

    void reset() {
      Promise<Void> done = Promise.promise();
      context.runOnContext(
          v -> {
            histogram.reset();
            done.complete();
          });
      done.future().await();
    }

    Histogram snapshot() {
      Promise<Histogram> done = Promise.promise();
      context.runOnContext(v -> done.complete(histogram.copy()));
      return done.future().await();
    }
  }

  /**
   * CPU time so far of this JVM, of the supervisor's event-loop thread and of the embedded
   * PostgreSQL (its postmaster and the backends it forked), to tell which of them a flood keeps
   * busy.
   */
  record CpuSnapshot(long nanos, long jvmTicks, long eventLoopNanos, long pgTicks) {

    static CpuSnapshot take(StallProbe stall, Path pgData) {
      return new CpuSnapshot(
          System.nanoTime(), ProcStats.cpuTicks(0), stall.threadCpuNanos(), pgTicks(pgData));
    }

    double jvmPercent(CpuSnapshot later) {
      return later == null
          ? Double.NaN
          : ProcStats.cpuPercent(jvmTicks, later.jvmTicks, later.nanos - nanos);
    }

    double pgPercent(CpuSnapshot later) {
      return later == null || pgTicks < 0
          ? Double.NaN
          : ProcStats.cpuPercent(pgTicks, later.pgTicks, later.nanos - nanos);
    }

    double eventLoopPercent(CpuSnapshot later) {
      return later == null || eventLoopNanos < 0
          ? Double.NaN
          : (later.eventLoopNanos - eventLoopNanos) * 100.0 / (later.nanos - nanos);
    }

    /**
     * utime + stime of the postmaster of {@code pgData} and its children; -1 when there is none.
     */
    static long pgTicks(Path pgData) {
      long postmaster;
      try {
        postmaster =
            Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim());
      } catch (IOException | RuntimeException e) {
        return -1;
      }
      long ticks = 0;
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path p :
            procs
                .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                .toList()) {
          try {
            String stat = Files.readString(p.resolve("stat"));
            long pid = Long.parseLong(p.getFileName().toString());
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (pid == postmaster || Long.parseLong(f[1]) == postmaster) {
              ticks += ProcStats.parseCpuTicks(stat);
            }
          } catch (IOException | RuntimeException e) {
            // gone meanwhile
          }
        }
      } catch (IOException e) {
        return -1;
      }
      return ticks;
    }
  }

  /** Heap in use after each garbage collection (KiB), from the JVM's GC notifications. */
  static final class GcWatch {
    /** {nanoTime, heap used after in KiB, pause in ms}. */
    private final List<long[]> after = new CopyOnWriteArrayList<>();

    private final Set<String> heapPools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .map(p -> p.getName())
            .collect(Collectors.toSet());

    GcWatch() {
      for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (bean instanceof NotificationEmitter emitter) {
          emitter.addNotificationListener(
              (n, h) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    n.getType())) {
                  return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (Map.Entry<String, MemoryUsage> e :
                    info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                  if (heapPools.contains(e.getKey())) {
                    used += e.getValue().getUsed();
                  }
                }
                after.add(
                    new long[] {System.nanoTime(), used / 1024, info.getGcInfo().getDuration()});
              },
              null,
              null);
        }
      }
    }

    int count() {
      return after.size();
    }

    /**
     * The collections from index {@code from} on, as {ms since {@code t0}, KiB after, pause ms}.
     */
    List<long[]> since(long from, long t0) {
      List<long[]> list = new ArrayList<>();
      for (int i = (int) from; i < after.size(); i++) {
        long[] g = after.get(i);
        list.add(new long[] {(g[0] - t0) / 1_000_000, g[1], g[2]});
      }
      return list;
    }

    /** A full collection now; the heap in use after it (KiB). */
    long collectNow() {
      System.gc();
      sleep(300);
      return heapUsedKb();
    }
  }
}
