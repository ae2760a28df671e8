package dev.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Fan-out load generator for any Socket.IO v4 server with a {@code POST /emit} bridge.
 *
 * <p>Connects N websocket clients to a namespace, then publishes at stepped rates (each emit goes
 * to the whole namespace, so one emit is N deliveries) and measures, per step, deliveries per
 * second, the delivered share, emit→receive latency percentiles, and the server's RSS and CPU. A
 * step passes with at least {@code --min-share} delivered and p99 under {@code --p99-bound-ms}; the
 * run stops at the first failing step and its result is the highest rate that passed.
 */
public final class FanoutBench {

  private final BenchConfig cfg;
  private final PrintStream out;
  private final long selfPid = ProcessHandle.current().pid();
  private final int cpus = Runtime.getRuntime().availableProcessors();
  private boolean nativeTransport;
  private final long runStart = System.nanoTime();

  public FanoutBench(BenchConfig cfg, PrintStream out) {
    this.cfg = cfg;
    this.out = out;
  }

  public static void main(String[] args) {
    BenchConfig cfg;
    try {
      cfg = BenchConfig.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      if (!"help".equals(e.getMessage())) {
        System.err.println("FanoutBench: " + e.getMessage());
      }
      System.err.print(BenchConfig.USAGE);
      System.exit("help".equals(e.getMessage()) ? 0 : 64);
      return;
    }
    int code;
    try {
      JsonObject result = new FanoutBench(cfg, System.out).run();
      code = result.getJsonObject("connect").getInteger("connected", 0) > 0 ? 0 : 2;
    } catch (Exception e) {
      System.err.println("FanoutBench failed: " + e);
      e.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }

  public JsonObject run() throws Exception {
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(cfg.eventLoops + 1)
                .setWorkerPoolSize(2)
                .setInternalBlockingPoolSize(2)
                .setPreferNativeTransport(true)
                .setBlockedThreadCheckInterval(10)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-sampler");
              t.setDaemon(true);
              return t;
            });
    nativeTransport = vertx.isNativeTransportEnabled();
    Receipts receipts = new Receipts();
    List<ClientGroup> groups = new ArrayList<>();
    JsonObject result =
        new JsonObject()
            .put("tool", "switchboard-bench FanoutBench")
            .put("startedAt", Instant.now().toString())
            .put("label", cfg.label)
            .put("config", cfg.toJson());
    try {
      // client groups first, then the emitter, so the emitter gets an event loop of its own
      // (round-robin)
      for (int i = 0; i < cfg.eventLoops; i++) {
        int share = cfg.clients / cfg.eventLoops + (i < cfg.clients % cfg.eventLoops ? 1 : 0);
        ClientGroup g = new ClientGroup(cfg, receipts, share);
        await(vertx.deployVerticle(g), 10);
        groups.add(g);
      }
      Emitter emitter = new Emitter(cfg, receipts.origin);
      await(vertx.deployVerticle(emitter), 10);

      out.printf(
          Locale.ROOT,
          "== %s: %d clients on %s%s namespace %s, generator pid %d on %d cpu(s), server pid %s%n",
          cfg.label,
          cfg.clients,
          cfg.url,
          cfg.path,
          cfg.namespace,
          selfPid,
          cpus,
          cfg.serverPid > 0 ? Long.toString(cfg.serverPid) : "unknown");

      // --- idle server, then connect ---
      JsonObject server = new JsonObject().put("pid", cfg.serverPid);
      // the idle server's RSS once it holds still, so that memory it was still giving back after
      // starting is not credited to the connections
      long settle0 = System.nanoTime();
      long rssIdle =
          cfg.serverPid > 0 ? ProcStats.heldRssKb(() -> ProcStats.rssKb(cfg.serverPid)) : -1;
      server.put("rssIdleKb", rssIdle);
      LatencySummary.put(server, "rssIdleSettleSeconds", (System.nanoTime() - settle0) / 1e9);
      long srvTicks0 = ProcStats.cpuTicks(cfg.serverPid);
      long genTicks0 = ProcStats.cpuTicks(selfPid);
      long sysTicks0 = ProcStats.systemBusyTicks();
      result.put("loadAverageAtStart", loadAverage());
      long c0 = System.nanoTime();
      List<Future<ClientGroup.ConnectResult>> connects = new ArrayList<>();
      for (ClientGroup g : groups) {
        connects.add(
            g.connectAll(
                cfg.connectRate / groups.size(), Math.max(1, cfg.maxInflight / groups.size())));
      }
      ScheduledFuture<?> progress =
          sampler.scheduleAtFixedRate(
              () ->
                  out.printf(
                      Locale.ROOT, "   connecting... %.0f s%n", (System.nanoTime() - c0) / 1e9),
              5,
              5,
              TimeUnit.SECONDS);
      long connectBudget =
          (cfg.unpacedConnects() ? 0 : (long) (cfg.clients / cfg.connectRate))
              + cfg.handshakeTimeoutMs / 1000
              + 60;
      List<ClientGroup.ConnectResult> results = new ArrayList<>();
      for (Future<ClientGroup.ConnectResult> f : connects) {
        results.add(await(f, connectBudget));
      }
      progress.cancel(false);
      long c1 = System.nanoTime();
      long srvTicks1 = ProcStats.cpuTicks(cfg.serverPid);
      long genTicks1 = ProcStats.cpuTicks(selfPid);
      JsonObject connect =
          connectJson(
              results,
              (c1 - c0) / 1e9,
              ProcStats.cpuPercent(srvTicks0, srvTicks1, c1 - c0),
              ProcStats.cpuPercent(genTicks0, genTicks1, c1 - c0));
      LatencySummary.put(
          connect,
          "otherCpuPct",
          otherCpu(
              sysTicks0,
              ProcStats.systemBusyTicks(),
              srvTicks0,
              srvTicks1,
              genTicks0,
              genTicks1,
              c1 - c0));
      result.put("connect", connect);
      int connected = connect.getInteger("connected");
      out.printf(
          Locale.ROOT,
          "   connected %d/%d in %.1f s (%.0f/s), failed %d %s, handshake ms p50 %s p99 %s max %s%n",
          connected,
          cfg.clients,
          connect.getDouble("seconds"),
          connect.getDouble("perSecond"),
          connect.getInteger("failed"),
          connect.getJsonObject("failures").encode(),
          fmt(connect.getJsonObject("handshakeMs"), "p50"),
          fmt(connect.getJsonObject("handshakeMs"), "p99"),
          fmt(connect.getJsonObject("handshakeMs"), "max"));
      if (connected == 0) {
        result.put("server", server);
        result.put("error", "no client connected");
        return finish(result);
      }
      // (no server to read: no trace, and no wait for one)
      boolean settledFigure = cfg.settledTo > 0 && cfg.serverPid > 0;
      RssTrace trace = RssTrace.start(sampler, cfg.serverPid, settledFigure ? cfg.settledTo : 0);
      sleep(cfg.settleSeconds);
      sampleIdleRss(server, rssIdle, connected, "", cfg.settleSeconds);
      if (cfg.idleSeconds > cfg.settleSeconds) {
        sleep(cfg.idleSeconds - cfg.settleSeconds);
        sampleIdleRss(server, rssIdle, connected, "Later", cfg.idleSeconds);
      }
      if (settledFigure) {
        long settled = trace.medianKb(cfg.settledFrom, cfg.settledTo);
        server.put("rssTraceKb", trace.samplesKb());
        double perConn = putPerConnection(server, rssIdle, settled, connected, "Settled");
        if (!Double.isNaN(perConn)) {
          out.printf(
              Locale.ROOT,
              "   server RSS with %d clients %.0f-%.0f s after connecting (median of one sample a second) %.1f MB: %.1f KB per connection%n",
              connected,
              cfg.settledFrom,
              cfg.settledTo,
              settled / 1024.0,
              perConn);
        }
      }
      result.put("server", server);
      JsonObject open =
          results.stream()
              .map(ClientGroup.ConnectResult::openPacket)
              .filter(o -> o != null)
              .findFirst()
              .orElse(null);
      if (open != null) {
        server.put("engineIoOpen", open.copy().put("sid", "…"));
      }

      // --- warm-up: unmeasured load so that both JITs have compiled the hot paths ---
      long stepId = 0;
      if (cfg.warmupSeconds > 0) {
        stepId++;
        int receivers = sum(groups.stream().map(ClientGroup::connectedNow).toList());
        await(emitter.reset(), 10);
        receipts.begin(stepId);
        long sendEnd =
            await(
                emitter.runStep(stepId, cfg.effectiveWarmupRate(), cfg.warmupSeconds),
                (long) (cfg.warmupSeconds * 3) + 30);
        long expected = await(emitter.snapshot(), 10).sent() * receivers;
        while (receipts.received() < expected
            && System.nanoTime() < sendEnd + (long) (cfg.drainSeconds * 1e9)) {
          Thread.sleep(5);
        }
        LatencySummary w = LatencySummary.of(receipts.end());
        JsonObject warm =
            new JsonObject()
                .put("seconds", cfg.warmupSeconds)
                .put("rate", cfg.effectiveWarmupRate())
                .put("expected", expected)
                .put("received", receipts.received())
                .put("latencyMs", w.toJson());
        result.put("warmup", warm);
        out.printf(
            Locale.ROOT,
            "   warm-up %.0f s at %s emits/s: delivered %.3f%%, p50 %s ms, p99 %s ms%n",
            cfg.warmupSeconds,
            StepResult.fmtRate(cfg.effectiveWarmupRate()),
            StepResult.share(receipts.received(), expected) * 100,
            StepResult.fmtMs(w.p50()),
            StepResult.fmtMs(w.p99()));
        sleep(cfg.pauseSeconds);
      }

      // --- single broadcasts ---
      if (cfg.singleBroadcast) {
        waitQuiet("single broadcasts");
        result.put("singleBroadcast", singleBroadcasts(emitter, receipts, connected, stepId));
        stepId += cfg.broadcasts + cfg.warmupBroadcasts;
        sleep(cfg.pauseSeconds);
      }

      // --- stepped rates ---
      JsonArray steps = new JsonArray();
      result.put("steps", steps);
      StepResult best = null;
      String stoppedBecause = cfg.rates.isEmpty() ? "no rates given" : "all steps passed";
      if (!cfg.rates.isEmpty()) {
        out.println(StepResult.tableHeader());
      }
      JsonArray discarded = new JsonArray();
      for (double rate : cfg.rates) {
        if (overBudget()) {
          stoppedBecause =
              String.format(
                  Locale.ROOT,
                  "time budget of %.0f s used up before rate %s",
                  cfg.maxRunSeconds,
                  StepResult.fmtRate(rate));
          break;
        }
        StepResult s = null;
        JsonObject sj = null;
        int noisyLeft = cfg.noisyRetries;
        int failLeft = cfg.failRetries;
        while (true) {
          waitQuiet("step " + StepResult.fmtRate(rate));
          stepId++;
          int receivers = sum(groups.stream().map(ClientGroup::connectedNow).toList());
          s = runStep(emitter, receipts, sampler, stepId, rate, receivers, connected);
          sj = s.toJson();
          boolean saturated = s.generatorCpuPct >= 90.0 * cpus;
          sj.put("generatorSaturated", saturated);
          boolean noisy = s.otherCpuPct > cfg.noiseMaxPct;
          sj.put("noisy", noisy);
          boolean canRepeat = s.disconnects == 0 && !overBudget();
          String repeat = null;
          if (noisy && noisyLeft > 0 && canRepeat) {
            noisyLeft--;
            repeat =
                String.format(
                    Locale.ROOT,
                    "noisy: other processes used %.0f%% CPU, repeating",
                    s.otherCpuPct);
          } else if (!s.passed && failLeft > 0 && canRepeat) {
            failLeft--;
            repeat = "failed, repeating once to rule out a hiccup";
          }
          if (repeat != null) {
            out.println(s.tableRow() + "  [" + repeat + "]");
            discarded.add(sj);
            sleep(cfg.pauseSeconds);
            continue;
          }
          out.println(
              s.tableRow()
                  + (saturated ? "  [generator CPU saturated]" : "")
                  + (noisy
                      ? String.format(
                          Locale.ROOT, "  [noisy: other processes used %.0f%% CPU]", s.otherCpuPct)
                      : ""));
          break;
        }
        steps.add(sj);
        if (s.passed && (best == null || s.targetRate > best.targetRate)) {
          best = s;
        }
        if (!s.passed) {
          stoppedBecause = "rate " + StepResult.fmtRate(rate) + ": " + s.failReason;
          if (!cfg.continueOnFail) {
            break;
          }
        }
        sleep(cfg.pauseSeconds);
      }
      result.put("discardedSteps", discarded);
      JsonObject summary =
          new JsonObject()
              .put("bestRate", best == null ? null : best.targetRate)
              .put("bestStep", best == null ? null : best.toJson())
              .put("stoppedBecause", stoppedBecause)
              .put("disconnects", receipts.disconnects.sum())
              .put(
                  "disconnectReasons",
                  new JsonObject(new TreeMap<String, Object>(receipts.disconnectReasons())))
              .put("staleReceipts", receipts.stale.sum())
              .put("otherEvents", receipts.otherEvents.sum())
              .put("protocolErrors", receipts.protocolErrors.sum());
      result.put("result", summary);
      out.printf(
          Locale.ROOT,
          "== %s: best passing rate %s emits/s (%s); disconnects %d, protocol errors %d%n",
          cfg.label,
          best == null ? "none" : StepResult.fmtRate(best.targetRate),
          stoppedBecause,
          receipts.disconnects.sum(),
          receipts.protocolErrors.sum());
      return finish(result);
    } finally {
      for (ClientGroup g : groups) {
        try {
          await(g.closeAll(), 10);
        } catch (Exception e) {
          // closing is best effort
        }
      }
      sampler.shutdownNow();
      try {
        await(vertx.close(), 10);
      } catch (Exception e) {
        // best effort
      }
    }
  }

  private JsonObject finish(JsonObject result) throws IOException {
    result.put("finishedAt", Instant.now().toString());
    result.put(
        "generator",
        new JsonObject()
            .put("pid", selfPid)
            .put("availableProcessors", cpus)
            .put("eventLoops", cfg.eventLoops)
            .put("java", System.getProperty("java.version"))
            .put("nativeTransport", nativeTransport));
    if (cfg.json != null) {
      Path p = Path.of(cfg.json);
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      Files.writeString(p, result.encodePrettily() + "\n", StandardCharsets.UTF_8);
      out.println("   wrote " + p);
    }
    return result;
  }

  private StepResult runStep(
      Emitter emitter,
      Receipts receipts,
      ScheduledExecutorService sampler,
      long stepId,
      double rate,
      int receivers,
      int connectedAtStart)
      throws Exception {
    await(emitter.reset(), 10);
    long disconnects0 = receipts.disconnects.sum();
    long stale0 = receipts.stale.sum();
    AtomicLong rssMax = new AtomicLong(-1);
    AtomicLong rssLast = new AtomicLong(-1);
    ScheduledFuture<?> rssTask =
        cfg.serverPid > 0
            ? sampler.scheduleAtFixedRate(
                () -> {
                  long rss = ProcStats.rssKb(cfg.serverPid);
                  rssLast.set(rss);
                  rssMax.accumulateAndGet(rss, Math::max);
                },
                0,
                250,
                TimeUnit.MILLISECONDS)
            : null;

    receipts.begin(stepId);
    long srv0 = ProcStats.cpuTicks(cfg.serverPid);
    long gen0 = ProcStats.cpuTicks(selfPid);
    long sys0 = ProcStats.systemBusyTicks();
    long t0 = System.nanoTime();
    long sendEnd =
        await(emitter.runStep(stepId, rate, cfg.stepSeconds), (long) (cfg.stepSeconds * 3) + 30);
    long t1 = System.nanoTime();
    long srv1 = ProcStats.cpuTicks(cfg.serverPid);
    long gen1 = ProcStats.cpuTicks(selfPid);
    long sys1 = ProcStats.systemBusyTicks();

    // every client connected at the start counts: one that dropped out should have received too
    long perEmit = Math.max(receivers, connectedAtStart);
    Emitter.Snapshot sent = await(emitter.snapshot(), 10);
    long expected = sent.sent() * perEmit;
    long drainDeadline = sendEnd + (long) (cfg.drainSeconds * 1e9);
    while (receipts.received() < expected && System.nanoTime() < drainDeadline) {
      Thread.sleep(5);
    }
    long t2 = System.nanoTime();
    Histogram h = receipts.end();
    long received = receipts.received();
    long last = receipts.lastReceiptNanos();
    if (rssTask != null) {
      rssTask.cancel(false);
    }
    // the answers to the last emits may come after their deliveries: wait for them too
    Emitter.Snapshot snap = await(emitter.snapshot(), 10);
    while (snap.pending() > 0 && System.nanoTime() < drainDeadline) {
      Thread.sleep(5);
      snap = await(emitter.snapshot(), 10);
    }

    StepResult s = new StepResult();
    s.step = (int) stepId;
    s.targetRate = rate;
    s.stepSeconds = cfg.stepSeconds;
    s.receivers = receivers;
    s.emitsSent = snap.sent();
    s.emitsAccepted = snap.accepted();
    s.emitsFailed = snap.failed();
    s.emitsPending = snap.pending();
    s.sendSeconds = (sendEnd - t0) / 1e9;
    s.expected = snap.sent() * perEmit;
    s.received = received;
    s.stale = receipts.stale.sum() - stale0;
    s.drainSeconds = (t2 - sendEnd) / 1e9;
    s.latency = LatencySummary.of(h);
    s.emitHttp = LatencySummary.of(snap.httpUs());
    s.scheduleLagMaxMs = snap.maxLagMs();
    s.serverCpuPct = ProcStats.cpuPercent(srv0, srv1, t1 - t0);
    s.generatorCpuPct = ProcStats.cpuPercent(gen0, gen1, t1 - t0);
    s.otherCpuPct = otherCpu(sys0, sys1, srv0, srv1, gen0, gen1, t1 - t0);
    s.serverRssKbMax = rssMax.get();
    s.serverRssKbEnd = rssLast.get();
    s.disconnects = receipts.disconnects.sum() - disconnects0;
    double window = Math.max(s.sendSeconds, last == Long.MIN_VALUE ? 0 : (last - t0) / 1e9);
    s.computeRates(window);
    s.evaluate(cfg.minShare, cfg.p99BoundMs);
    if (s.passed && s.disconnects > 0) {
      s.passed = false;
      s.failReason = s.disconnects + " clients disconnected";
    }
    if (s.passed && s.emitsFailed > 0) {
      s.passed = false;
      s.failReason =
          s.emitsFailed
              + " emits failed "
              + new JsonObject(new TreeMap<String, Object>(snap.failures())).encode();
    }
    return s;
  }

  private JsonObject singleBroadcasts(
      Emitter emitter, Receipts receipts, int connected, long firstStep) throws Exception {
    Histogram all = LatencySummary.newHistogram();
    JsonArray each = new JsonArray();
    long expectedTotal = 0;
    long receivedTotal = 0;
    int total = cfg.warmupBroadcasts + cfg.broadcasts;
    for (int i = 0; i < total; i++) {
      long step = firstStep + i + 1;
      receipts.begin(step);
      long t0 = System.nanoTime();
      await(emitter.single(step), 60);
      long deadline = t0 + (long) (Math.max(cfg.drainSeconds, 10) * 1e9);
      while (receipts.received() < connected && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      Histogram h = receipts.end();
      long received = receipts.received();
      LatencySummary ls = LatencySummary.of(h);
      boolean warmup = i < cfg.warmupBroadcasts;
      JsonObject o =
          new JsonObject()
              .put("warmup", warmup)
              .put("received", received)
              .put("expected", connected)
              .put("latencyMs", ls.toJson());
      each.add(o);
      if (!warmup) {
        all.add(h);
        expectedTotal += connected;
        receivedTotal += received;
      }
      Thread.sleep(cfg.broadcastIntervalMs);
    }
    LatencySummary sum = LatencySummary.of(all);
    JsonObject res =
        new JsonObject()
            .put("broadcasts", cfg.broadcasts)
            .put("warmupBroadcasts", cfg.warmupBroadcasts)
            .put("receivers", connected)
            .put("expected", expectedTotal)
            .put("received", receivedTotal)
            .put("latencyMs", sum.toJson())
            .put("each", each);
    LatencySummary.put(res, "deliveredShare", StepResult.share(receivedTotal, expectedTotal));
    out.printf(
        Locale.ROOT,
        "   single broadcast to %d clients (%d measured, %d warm-up): p50 %s ms, p99 %s ms, max %s ms, delivered %.3f%%%n",
        connected,
        cfg.broadcasts,
        cfg.warmupBroadcasts,
        StepResult.fmtMs(sum.p50()),
        StepResult.fmtMs(sum.p99()),
        StepResult.fmtMs(sum.max()),
        StepResult.share(receivedTotal, expectedTotal) * 100);
    return res;
  }

  private static JsonObject connectJson(
      List<ClientGroup.ConnectResult> results,
      double seconds,
      double serverCpu,
      double generatorCpu) {
    int connected = 0;
    int failed = 0;
    Map<String, Object> failures = new TreeMap<>();
    Histogram h = LatencySummary.newHistogram();
    for (ClientGroup.ConnectResult r : results) {
      connected += r.connected();
      failed += r.failed();
      r.failures().forEach((k, v) -> failures.merge(k, v, (a, b) -> (Integer) a + (Integer) b));
      h.add(r.handshakeUs());
    }
    JsonObject o =
        new JsonObject()
            .put("connected", connected)
            .put("failed", failed)
            .put("failures", new JsonObject(failures))
            .put("handshakeMs", LatencySummary.of(h).toJson());
    LatencySummary.put(o, "seconds", seconds);
    LatencySummary.put(o, "perSecond", seconds > 0 ? connected / seconds : 0);
    LatencySummary.put(o, "serverCpuPct", serverCpu);
    LatencySummary.put(o, "generatorCpuPct", generatorCpu);
    return o;
  }

  /**
   * Waits until other processes use at most {@code --noise-max-pct} of a core over one second, for
   * at most {@code --quiet-wait-seconds}. The benchmark's own two processes are not counted.
   */
  private void waitQuiet(String what) throws InterruptedException {
    long deadline =
        Math.min(
            System.nanoTime() + (long) (cfg.quietWaitSeconds * 1e9),
            runStart + (long) (cfg.maxRunSeconds * 1e9 * 0.8));
    boolean told = false;
    while (true) {
      long sys0 = ProcStats.systemBusyTicks();
      long srv0 = ProcStats.cpuTicks(cfg.serverPid);
      long gen0 = ProcStats.cpuTicks(selfPid);
      long t0 = System.nanoTime();
      Thread.sleep(1000);
      double other =
          otherCpu(
              sys0,
              ProcStats.systemBusyTicks(),
              srv0,
              ProcStats.cpuTicks(cfg.serverPid),
              gen0,
              ProcStats.cpuTicks(selfPid),
              System.nanoTime() - t0);
      if (other <= cfg.noiseMaxPct || other < 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        out.printf(
            Locale.ROOT,
            "   other processes still use %.0f%% CPU; going on with %s anyway%n",
            other,
            what);
        return;
      }
      if (!told) {
        out.printf(
            Locale.ROOT,
            "   other processes use %.0f%% CPU; waiting for quiet before %s%n",
            other,
            what);
        told = true;
      }
    }
  }

  private boolean overBudget() {
    return System.nanoTime() - runStart > cfg.maxRunSeconds * 1e9;
  }

  /**
   * CPU of everything but the server and the generator, in percent of one core; -1 when unknown.
   */
  static double otherCpu(
      long sys0, long sys1, long srv0, long srv1, long gen0, long gen1, long wallNanos) {
    if (sys0 < 0 || sys1 < 0 || gen0 < 0 || gen1 < 0) {
      return -1;
    }
    long serverTicks = srv0 >= 0 && srv1 >= 0 ? srv1 - srv0 : 0;
    long other = (sys1 - sys0) - serverTicks - (gen1 - gen0);
    return Math.max(0, ProcStats.cpuPercent(0, other, wallNanos));
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return null;
    }
  }

  private static int sum(List<Future<Integer>> futures) throws Exception {
    int n = 0;
    for (Future<Integer> f : futures) {
      n += await(f, 10);
    }
    return n;
  }

  private static String fmt(JsonObject o, String key) {
    return StepResult.fmtMs(LatencySummary.num(o, key));
  }

  /**
   * The server's RSS with every client connected and idle, {@code afterSeconds} after the last
   * connected, and what it costs per connection over the idle server's; keys end in {@code suffix}.
   */
  private void sampleIdleRss(
      JsonObject server, long rssIdle, int connected, String suffix, double afterSeconds) {
    long rss = cfg.serverPid > 0 ? ProcStats.rssKb(cfg.serverPid) : -1;
    double perConn = putPerConnection(server, rssIdle, rss, connected, suffix);
    if (!Double.isNaN(perConn)) {
      out.printf(
          Locale.ROOT,
          "   server RSS idle %.1f MB, with %d clients %.0f s after connecting %.1f MB: %.1f KB per connection (%.1f MB per 1,000)%n",
          rssIdle / 1024.0,
          connected,
          afterSeconds,
          rss / 1024.0,
          perConn,
          perConn * 1000 / 1024);
    }
  }

  /**
   * Puts the server's RSS with the clients connected, and its growth over idle per connection,
   * which it answers (NaN when either RSS could not be read).
   */
  private static double putPerConnection(
      JsonObject server, long rssIdle, long rss, int connected, String suffix) {
    server.put("rssConnected" + suffix + "Kb", rss);
    if (rssIdle <= 0 || rss <= 0) {
      return Double.NaN;
    }
    double perConn = (double) (rss - rssIdle) / connected;
    LatencySummary.put(server, "rssPerConnection" + suffix + "Kb", perConn);
    LatencySummary.put(server, "rssPer1000Connections" + suffix + "Mb", perConn * 1000 / 1024);
    return perConn;
  }

  private static void sleep(double seconds) throws InterruptedException {
    if (seconds > 0) {
      Thread.sleep((long) (seconds * 1000));
    }
  }

  static <T> T await(Future<T> f, long seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }
}
