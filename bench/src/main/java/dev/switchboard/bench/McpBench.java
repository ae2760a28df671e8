package dev.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * MCP tool-call round trip, side by side: the same {@code tools/call} ({@code echo} and {@code add}
 * of the npm server-everything) sent directly to the server over stdio, and over Streamable HTTP
 * through Switchboard's mcp-host and through stdio-to-HTTP bridges, all in one run on the same
 * machine. Per target: the round trip at one client (p50, p99, HdrHistogram), calls per second of
 * closed loops at a few concurrency levels, and the memory per idle session. Every target is a
 * running peer given on the command line ({@code bench/mcp.sh} starts them); the stdio target is a
 * command this class runs itself.
 *
 * <pre>
 *   java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.McpBench \
 *     --target 'stdio=stdio:node .../server-everything/dist/index.js stdio' \
 *     --target host=http://127.0.0.1:3931/mcp/everything --pid host=12345 --token T \
 *     --target supergateway=http://127.0.0.1:3932/mcp --target mcp-proxy=http://127.0.0.1:3933/mcp
 * </pre>
 *
 * <p>Every HTTP target gets the same client: one JSON-RPC message per POST with {@code Accept:
 * application/json, text/event-stream} (what the specification asks of a client), the answer read
 * from a JSON body or from the SSE stream the server chose. The stdio client writes one line per
 * message to the server's stdin and reads its stdout on one thread. Phases run target after target
 * (latency, then each concurrency level), so a change in the machine's load shows in every column.
 */
public final class McpBench {

  static final String USAGE =
      """
      Usage: McpBench --target NAME=URL|stdio:COMMAND ... [options]
        --target NAME=SPEC   a peer: an http(s) URL of a Streamable HTTP endpoint, or stdio:COMMAND
                             (split on spaces) run as a child; repeat, columns in this order
        --pid NAME=PID       the process to measure for NAME's memory and CPU (its children count)
        --token T            bearer token sent to every HTTP target
        --calls N            measured calls per tool at one client (2000)
        --warmup N           unmeasured calls per tool before (1000)
        --concurrency LIST   closed-loop sessions per throughput step (1,8,32)
        --seconds S          measured length of each throughput step (5)
        --idle-sessions LIST NAME=N sessions opened for the idle-memory step (default 0: none)
        --timeout-ms MS      a call not answered in this long fails (10000)
        --max-seconds S      no new phase starts after this long (600)
        --json FILE          write every figure there too
      """;

  private static final String PROTOCOL = "2025-06-18";
  private static final JsonObject ECHO_ARGS = new JsonObject().put("message", "hello from bench");
  private static final JsonObject ADD_ARGS = new JsonObject().put("a", 17).put("b", 25);

  private final Config cfg;
  private final Vertx vertx;
  private final HttpClient http;
  private final long started = System.nanoTime();

  McpBench(Config cfg) {
    this.cfg = cfg;
    // one event loop: the client's side of every HTTP target runs on one thread, as the stdio
    // client's reader does
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false),
            new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
  }

  public static void main(String[] args) throws Exception {
    Config cfg;
    try {
      cfg = Config.parse(args);
    } catch (IllegalArgumentException e) {
      if (!"help".equals(e.getMessage())) {
        System.err.println("McpBench: " + e.getMessage());
      }
      System.err.print(USAGE);
      System.exit("help".equals(e.getMessage()) ? 0 : 64);
      return;
    }
    McpBench bench = new McpBench(cfg);
    int code = 0;
    try {
      JsonObject result = bench.run();
      if (cfg.json != null) {
        Files.writeString(cfg.json, result.encodePrettily());
      }
    } catch (Exception e) {
      System.err.println("McpBench failed: " + e);
      e.printStackTrace();
      code = 1;
    } finally {
      bench.vertx.close().await(10, TimeUnit.SECONDS);
    }
    System.exit(code);
  }

  // ---- the run ----

  JsonObject run() throws Exception {
    Map<String, JsonObject> results = new LinkedHashMap<>();
    List<Target> targets = new ArrayList<>();
    for (Map.Entry<String, String> t : cfg.targets.entrySet()) {
      targets.add(
          t.getValue().startsWith("stdio:")
              ? new StdioTarget(t.getKey(), t.getValue().substring("stdio:".length()))
              : new HttpTarget(t.getKey(), URI.create(t.getValue())));
      results.put(t.getKey(), new JsonObject());
    }
    JsonObject run =
        new JsonObject()
            .put("tool", "switchboard-bench McpBench")
            .put("startedAt", Instant.now().toString())
            .put("loadAverageAtStart", loadAverage())
            .put("config", cfg.toJson());
    System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
    try {
      for (Target target : targets) {
        target.start();
      }
      for (String tool : List.of("echo", "add")) {
        for (Target target : targets) {
          if (overTime()) {
            break;
          }
          LatencySummary latency = latency(target, tool);
          results.get(target.name).put("latency-" + tool, latency.toJson());
          System.out.printf(
              Locale.ROOT,
              "  %-14s %-4s 1 client: p50 %.3f ms p99 %.3f ms (%d calls)%n",
              target.name,
              tool,
              latency.p50(),
              latency.p99(),
              latency.count());
        }
      }
      for (int sessions : cfg.concurrency) {
        for (Target target : targets) {
          if (overTime()) {
            break;
          }
          JsonObject step = throughput(target, sessions);
          results.get(target.name).put("throughput-" + sessions, step);
          System.out.printf(
              Locale.ROOT,
              "  %-14s %2d sessions: %,.0f calls/s, p50 %.3f ms p99 %.3f ms, errors %d, server CPU"
                  + " %.0f µs/call%n",
              target.name,
              sessions,
              step.getDouble("callsPerSecond"),
              step.getJsonObject("latency").getDouble("p50", Double.NaN),
              step.getJsonObject("latency").getDouble("p99", Double.NaN),
              step.getLong("errors"),
              step.getDouble("serverCpuUsPerCall", Double.NaN));
        }
      }
      for (Target target : targets) {
        Integer n = cfg.idleSessions.get(target.name);
        if (n != null && n > 0 && !overTime() && target instanceof HttpTarget h) {
          JsonObject memory = idleMemory(h, n);
          results.get(target.name).put("idle", memory);
          System.out.printf(Locale.ROOT, "  %-14s idle sessions: %s%n", target.name, memory);
        }
      }
    } finally {
      for (Target target : targets) {
        target.stop();
      }
    }
    run.put("loadAverageAtEnd", loadAverage());
    JsonObject byTarget = new JsonObject();
    results.forEach(byTarget::put);
    run.put("targets", byTarget);
    System.out.println();
    System.out.print(table(run, targets));
    return run;
  }

  private boolean overTime() {
    boolean over = System.nanoTime() - started > TimeUnit.SECONDS.toNanos(cfg.maxSeconds);
    if (over) {
      System.out.println("  (time budget of the run used up: phase skipped)");
    }
    return over;
  }

  /**
   * One session, {@code warmup} unmeasured then {@code calls} measured calls of one tool, each sent
   * when the last is answered, from the thread that got the answer (so no hand-off between client
   * threads is timed).
   */
  private LatencySummary latency(Target target, String tool) throws Exception {
    Session session = await(target.open(), 60_000);
    try {
      Histogram histogram = LatencySummary.newHistogram();
      Promise<Void> done = Promise.promise();
      sequence(session, tool, 0, histogram, done);
      await(done.future(), (cfg.warmup + cfg.calls) * (cfg.timeoutMs + 1000));
      return LatencySummary.of(histogram);
    } finally {
      target.close(session);
    }
  }

  private void sequence(
      Session session, String tool, int i, Histogram histogram, Promise<Void> done) {
    if (i == cfg.warmup + cfg.calls) {
      done.complete();
      return;
    }
    long t0 = System.nanoTime();
    session
        .call(tool, "echo".equals(tool) ? ECHO_ARGS : ADD_ARGS)
        .onComplete(
            ar -> {
              long us = (System.nanoTime() - t0) / 1000;
              try {
                if (ar.failed()) {
                  throw new IllegalStateException(ar.cause().getMessage(), ar.cause());
                }
                check(ar.result(), tool);
              } catch (RuntimeException e) {
                done.fail(e);
                return;
              }
              if (i >= cfg.warmup) {
                histogram.recordValue(us);
              }
              sequence(session, tool, i + 1, histogram, done);
            });
  }

  /**
   * {@code sessions} closed loops (each sends its next call when the last is answered, echo and add
   * in turn) for one second unmeasured, then {@code seconds} measured; calls answered in the
   * measured window count.
   */
  private JsonObject throughput(Target target, int sessions) throws Exception {
    List<Session> open = new ArrayList<>();
    JsonObject step = new JsonObject().put("sessions", sessions);
    try {
      for (int i = 0; i < sessions; i++) {
        open.add(await(target.open(), 60_000));
      }
    } catch (Exception e) {
      open.forEach(target::close);
      return step.put("callsPerSecond", 0.0)
          .put("errors", 0L)
          .put("latency", LatencySummary.EMPTY.toJson())
          .put("error", "could not open " + sessions + " sessions: " + e);
    }
    Histogram histogram = new org.HdrHistogram.SynchronizedHistogram(3_600_000_000L, 3);
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    AtomicLong answered = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    Map<String, String> firstError = new ConcurrentHashMap<>();
    List<Promise<Void>> loops = new ArrayList<>();
    for (Session session : open) {
      Promise<Void> done = Promise.promise();
      loops.add(done);
      loop(session, 0, stop, measuring, histogram, answered, errors, firstError, done);
    }
    Thread.sleep(1000);
    long cpu0 = target.cpuTicks();
    long t0 = System.nanoTime();
    measuring.set(true);
    Thread.sleep(cfg.seconds * 1000L);
    measuring.set(false);
    long t1 = System.nanoTime();
    long cpu1 = target.cpuTicks();
    stop.set(true);
    for (Promise<Void> done : loops) {
      try {
        await(done.future(), cfg.timeoutMs + 2000);
      } catch (Exception e) {
        firstError.putIfAbsent("drain", String.valueOf(e.getMessage()));
      }
    }
    open.forEach(target::close);
    long calls = answered.get();
    double seconds = (t1 - t0) / 1e9;
    step.put("callsPerSecond", calls / seconds)
        .put("calls", calls)
        .put("errors", errors.get())
        .put("latency", LatencySummary.of(histogram).toJson());
    if (cpu0 >= 0 && cpu1 >= 0 && calls > 0) {
      step.put("serverCpuUsPerCall", (cpu1 - cpu0) * 1e6 / ProcStats.clockTicksPerSecond() / calls);
      step.put("serverCpuPct", ProcStats.cpuPercent(cpu0, cpu1, t1 - t0));
    }
    if (!firstError.isEmpty()) {
      step.put("firstErrors", new JsonObject(new LinkedHashMap<>(firstError)));
    }
    return step;
  }

  private void loop(
      Session session,
      long n,
      AtomicBoolean stop,
      AtomicBoolean measuring,
      Histogram histogram,
      AtomicLong answered,
      AtomicLong errors,
      Map<String, String> firstError,
      Promise<Void> done) {
    if (stop.get()) {
      done.tryComplete();
      return;
    }
    String tool = n % 2 == 0 ? "echo" : "add";
    long t0 = System.nanoTime();
    boolean counted = measuring.get();
    session
        .call(tool, n % 2 == 0 ? ECHO_ARGS : ADD_ARGS)
        .onComplete(
            ar -> {
              boolean ok = ar.succeeded();
              if (ok) {
                try {
                  check(ar.result(), tool);
                } catch (IllegalStateException e) {
                  ok = false;
                  firstError.putIfAbsent("answer", e.getMessage());
                }
              } else {
                firstError.putIfAbsent("call", String.valueOf(ar.cause().getMessage()));
              }
              if (counted && measuring.get()) {
                if (ok) {
                  histogram.recordValue((System.nanoTime() - t0) / 1000);
                  answered.incrementAndGet();
                } else {
                  errors.incrementAndGet();
                }
              }
              if (!ok) {
                // a failing peer is not hammered: the loop goes on after a pause
                vertx.setTimer(
                    100,
                    id ->
                        loop(
                            session,
                            n + 1,
                            stop,
                            measuring,
                            histogram,
                            answered,
                            errors,
                            firstError,
                            done));
                return;
              }
              loop(session, n + 1, stop, measuring, histogram, answered, errors, firstError, done);
            });
  }

  /**
   * Memory per idle session: the target's RSS (alone and with its children) and, for a JVM, its
   * heap after a full collection, before and after {@code n} sessions were opened and left idle 3
   * s, each RSS once it held still ({@link ProcStats#heldRssKb}); the difference over n.
   */
  private JsonObject idleMemory(HttpTarget target, int n) throws Exception {
    JsonObject memory = new JsonObject().put("sessions", n);
    long pid = target.pid;
    if (pid <= 0) {
      return memory.put("error", "no --pid given");
    }
    long heap0 = heapUsedKb(pid);
    long rss0 = ProcStats.heldRssKb(() -> ProcStats.rssKb(pid));
    long tree0 = ProcStats.heldRssKb(() -> treeRssKb(pid));
    List<Session> open = new ArrayList<>();
    try {
      // eight initializes at a time
      for (int i = 0; i < n; i += 8) {
        List<Future<Session>> batch = new ArrayList<>();
        for (int j = i; j < Math.min(n, i + 8); j++) {
          batch.add(target.open());
        }
        for (Future<Session> f : batch) {
          open.add(await(f, 60_000));
        }
      }
      Thread.sleep(3000);
      long heap1 = heapUsedKb(pid);
      long rss1 = ProcStats.heldRssKb(() -> ProcStats.rssKb(pid));
      long tree1 = ProcStats.heldRssKb(() -> treeRssKb(pid));
      memory
          .put("rssKbBefore", rss0)
          .put("rssKbAfter", rss1)
          .put("treeRssKbBefore", tree0)
          .put("treeRssKbAfter", tree1)
          .put("processes", 1 + ProcessHandle.of(pid).map(p -> p.descendants().count()).orElse(0L));
      LatencySummary.put(memory, "rssKbPerSession", (rss1 - rss0) / (double) n);
      LatencySummary.put(memory, "treeRssKbPerSession", (tree1 - tree0) / (double) n);
      if (heap0 >= 0 && heap1 >= 0) {
        memory.put("heapKbBefore", heap0).put("heapKbAfter", heap1);
        LatencySummary.put(memory, "heapKbPerSession", (heap1 - heap0) / (double) n);
      }
    } catch (Exception e) {
      memory.put("error", "opened " + open.size() + " of " + n + ": " + e);
    } finally {
      open.forEach(target::close);
    }
    return memory;
  }

  private static void check(JsonObject answer, String tool) {
    JsonObject result = answer.getJsonObject("result");
    if (result == null || Boolean.TRUE.equals(result.getBoolean("isError"))) {
      throw new IllegalStateException(tool + " answered " + abbreviate(answer.encode(), 300));
    }
    JsonArray content = result.getJsonArray("content");
    String text =
        content == null || content.isEmpty() ? "" : content.getJsonObject(0).getString("text", "");
    String expected = "echo".equals(tool) ? ECHO_ARGS.getString("message") : "42";
    if (!text.contains(expected)) {
      throw new IllegalStateException(tool + " answered " + abbreviate(answer.encode(), 300));
    }
  }

  // ---- targets and their sessions ----

  /** A client's session with a peer: tools/call requests, each answered by a future. */
  interface Session {
    Future<JsonObject> call(String tool, JsonObject arguments);
  }

  abstract static class Target {
    final String name;
    long pid = -1;

    Target(String name) {
      this.name = name;
    }

    void start() throws Exception {}

    abstract Future<Session> open();

    void close(Session session) {}

    void stop() {}

    /** CPU time of the peer and its children in clock ticks (-1 when unknown). */
    long cpuTicks() {
      if (pid <= 0) {
        return -1;
      }
      long ticks = ProcStats.cpuTicks(pid);
      for (ProcessHandle child :
          ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
        long t = ProcStats.cpuTicks(child.pid());
        ticks += Math.max(0, t);
      }
      return ticks;
    }
  }

  static JsonObject toolCall(long id, String tool, JsonObject arguments) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", "tools/call")
        .put("params", new JsonObject().put("name", tool).put("arguments", arguments));
  }

  static JsonObject initialize(long id) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", "initialize")
        .put(
            "params",
            new JsonObject()
                .put("protocolVersion", PROTOCOL)
                .put("capabilities", new JsonObject())
                .put("clientInfo", new JsonObject().put("name", "mcp-bench").put("version", "1")));
  }

  static final JsonObject INITIALIZED =
      new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized");

  /**
   * The server run as a child, spoken to over its stdin and stdout: one process, initialized once;
   * every session is the same pipe (requests of several sessions are in flight at once, with ids of
   * their own), so the concurrency steps show what one server process takes.
   */
  final class StdioTarget extends Target {
    private final List<String> command;
    private final Map<Long, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private Process process;
    private OutputStream stdin;

    StdioTarget(String name, String command) {
      super(name);
      this.command = Arrays.asList(command.trim().split("\\s+"));
    }

    @Override
    void start() throws Exception {
      process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      pid = process.pid();
      stdin = process.getOutputStream();
      Thread reader = new Thread(this::read, "mcp-bench-stdout-" + name);
      reader.setDaemon(true);
      reader.start();
      JsonObject init = await(send(initialize(ids.incrementAndGet())), 60_000);
      if (init.getJsonObject("result") == null) {
        throw new IllegalStateException(name + " answered initialize with " + init.encode());
      }
      write(INITIALIZED);
    }

    private void read() {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          JsonObject message;
          try {
            message = new JsonObject(line);
          } catch (RuntimeException e) {
            continue;
          }
          if (message.getValue("id") instanceof Number id && !message.containsKey("method")) {
            Promise<JsonObject> p = pending.remove(id.longValue());
            if (p != null) {
              p.tryComplete(message);
            }
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      pending.values().forEach(p -> p.tryFail(name + " closed its stdout"));
    }

    private synchronized void write(JsonObject message) {
      try {
        stdin.write((message.encode() + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private Future<JsonObject> send(JsonObject request) {
      long id = request.getLong("id");
      Promise<JsonObject> p = Promise.promise();
      pending.put(id, p);
      try {
        write(request);
      } catch (UncheckedIOException e) {
        pending.remove(id);
        p.tryFail(e);
      }
      return p.future();
    }

    @Override
    Future<Session> open() {
      return Future.succeededFuture(
          (tool, arguments) -> send(toolCall(ids.incrementAndGet(), tool, arguments)));
    }

    @Override
    void stop() {
      if (process != null) {
        process.destroy();
        try {
          if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          process.destroyForcibly();
        }
      }
    }
  }

  /** A Streamable HTTP endpoint: a session is an {@code initialize} and its Mcp-Session-Id. */
  final class HttpTarget extends Target {
    private final URI uri;
    private final int port;

    HttpTarget(String name, URI uri) {
      super(name);
      this.uri = uri;
      this.port = uri.getPort() > 0 ? uri.getPort() : 80;
      this.pid = cfg.pids.getOrDefault(name, -1L);
    }

    private RequestOptions options(HttpMethod method, String session) {
      RequestOptions options =
          new RequestOptions()
              .setMethod(method)
              .setHost(uri.getHost())
              .setPort(port)
              .setURI(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
              .setTimeout(cfg.timeoutMs)
              .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .putHeader(HttpHeaders.ACCEPT, "application/json, text/event-stream");
      if (cfg.token != null) {
        options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + cfg.token);
      }
      if (session != null) {
        options.putHeader("Mcp-Session-Id", session).putHeader("MCP-Protocol-Version", PROTOCOL);
      }
      return options;
    }

    /** POSTs one message; the answer to a request (by id), or null for a notification's 202. */
    private Future<Map.Entry<HttpClientResponse, JsonObject>> post(
        String session, JsonObject message) {
      Object id = message.getValue("id");
      return http.request(options(HttpMethod.POST, session))
          .compose(req -> req.send(message.toBuffer()))
          .compose(
              resp ->
                  resp.body()
                      .map(body -> new AbstractMap.SimpleEntry<>(resp, answer(resp, body, id))));
    }

    private JsonObject answer(HttpClientResponse resp, Buffer body, Object id) {
      if (resp.statusCode() == 202 && id == null) {
        return null;
      }
      if (resp.statusCode() != 200) {
        throw new IllegalStateException(
            "HTTP " + resp.statusCode() + ": " + abbreviate(body.toString(), 300));
      }
      String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
      if (type != null && type.startsWith("text/event-stream")) {
        JsonObject found = fromSse(body.toString(StandardCharsets.UTF_8), id);
        if (found == null) {
          throw new IllegalStateException(
              "no answer to id " + id + " in the SSE stream: " + abbreviate(body.toString(), 300));
        }
        return found;
      }
      return new JsonObject(body);
    }

    @Override
    Future<Session> open() {
      return post(null, initialize(0))
          .compose(
              initialized -> {
                String session = initialized.getKey().getHeader("Mcp-Session-Id");
                if (initialized.getValue().getJsonObject("result") == null) {
                  throw new IllegalStateException(
                      name + " answered initialize with " + initialized.getValue().encode());
                }
                return post(session, INITIALIZED).map(v -> new HttpSession(this, session));
              });
    }

    @Override
    void close(Session session) {
      String id = ((HttpSession) session).id;
      if (id == null) {
        return;
      }
      try {
        await(
            http.request(options(HttpMethod.DELETE, id))
                .compose(req -> req.send())
                .compose(HttpClientResponse::body),
            cfg.timeoutMs + 1000);
      } catch (Exception e) {
        // the session ends with the peer's idle timeout
      }
    }
  }

  static final class HttpSession implements Session {
    private final HttpTarget target;
    final String id;
    private long nextId = 1;

    HttpSession(HttpTarget target, String id) {
      this.target = target;
      this.id = id;
    }

    @Override
    public Future<JsonObject> call(String tool, JsonObject arguments) {
      return target.post(id, toolCall(nextId++, tool, arguments)).map(Map.Entry::getValue);
    }
  }

  /** The message answering {@code id} among the {@code data:} events of an SSE body. */
  static JsonObject fromSse(String body, Object id) {
    StringBuilder data = new StringBuilder();
    for (String line : (body + "\n\n").split("\r?\n", -1)) {
      if (line.startsWith("data:")) {
        data.append(line.substring(line.startsWith("data: ") ? 6 : 5)).append('\n');
      } else if (line.isEmpty() && data.length() > 0) {
        try {
          JsonObject message = new JsonObject(data.toString());
          Object answered = message.getValue("id");
          if (answered != null
              && String.valueOf(answered).equals(String.valueOf(id))
              && !message.containsKey("method")) {
            return message;
          }
        } catch (RuntimeException e) {
          // not JSON: skipped
        }
        data.setLength(0);
      }
    }
    return null;
  }

  // ---- memory ----

  private static long treeRssKb(long pid) {
    long rss = ProcStats.rssKb(pid);
    if (rss < 0) {
      return -1;
    }
    for (ProcessHandle child :
        ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
      rss += Math.max(0, ProcStats.rssKb(child.pid()));
    }
    return rss;
  }

  private static final Pattern USED = Pattern.compile("\\bused (\\d+)K");

  /**
   * The Java heap in use after a full collection ({@code jcmd GC.run}, then the generations' "used"
   * of {@code GC.heap_info}); -1 when the process is not a JVM jcmd can reach.
   */
  static long heapUsedKb(long pid) {
    // jcmd attaches with SIGQUIT, which ends a process that is not a JVM
    if (!ProcessHandle.of(pid)
        .flatMap(p -> p.info().command())
        .map(c -> c.endsWith("/java"))
        .orElse(false)) {
      return -1;
    }
    try {
      jcmd(pid, "GC.run");
      String info = jcmd(pid, "GC.heap_info");
      long used = 0;
      boolean any = false;
      for (String line : info.split("\n")) {
        String trimmed = line.trim();
        if (trimmed.startsWith("Metaspace") || trimmed.startsWith("class space")) {
          continue;
        }
        Matcher m = USED.matcher(line);
        if (line.contains("total") && m.find()) {
          used += Long.parseLong(m.group(1));
          any = true;
        }
      }
      return any ? used : -1;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return -1;
    }
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("jcmd " + command + " failed: " + abbreviate(out, 200));
    }
    return out;
  }

  // ---- the table ----

  static String table(JsonObject run, List<Target> targets) {
    JsonObject byTarget = run.getJsonObject("targets");
    List<String> names = targets.stream().map(t -> t.name).toList();
    StringBuilder out = new StringBuilder();
    String head = String.format(Locale.ROOT, "%-44s", "MCP tools/call (server-everything)");
    out.append(head);
    names.forEach(n -> out.append(String.format(Locale.ROOT, "%16s", n)));
    out.append('\n');
    for (String tool : List.of("echo", "add")) {
      row(
          out,
          names,
          tool + " round trip, 1 client: p50 ms",
          byTarget,
          t -> fmt(t.getJsonObject("latency-" + tool), "p50", "%.3f"));
      row(
          out,
          names,
          tool + " round trip, 1 client: p99 ms",
          byTarget,
          t -> fmt(t.getJsonObject("latency-" + tool), "p99", "%.3f"));
    }
    String first = names.isEmpty() ? null : names.get(0);
    if (first != null) {
      for (String tool : List.of("echo", "add")) {
        row(
            out,
            names,
            tool + " p50 added over " + first + " ms",
            byTarget,
            t -> {
              double base = num(byTarget.getJsonObject(first), "latency-" + tool, "p50");
              double own = num(t, "latency-" + tool, "p50");
              return Double.isNaN(base) || Double.isNaN(own)
                  ? "-"
                  : String.format(Locale.ROOT, "%+.3f", own - base);
            });
      }
    }
    JsonObject config = run.getJsonObject("config");
    for (Object k : config.getJsonArray("concurrency")) {
      int sessions = ((Number) k).intValue();
      String key = "throughput-" + sessions;
      row(
          out,
          names,
          "calls/s, " + sessions + " session" + (sessions == 1 ? "" : "s"),
          byTarget,
          t -> {
            JsonObject step = t.getJsonObject(key);
            if (step == null) {
              return "-";
            }
            if (step.getString("error") != null) {
              return "failed";
            }
            return String.format(
                Locale.ROOT,
                "%,.0f%s",
                step.getDouble("callsPerSecond"),
                step.getLong("errors", 0L) > 0 ? "*" : "");
          });
      row(
          out,
          names,
          "  p50 / p99 ms at " + sessions,
          byTarget,
          t -> {
            JsonObject step = t.getJsonObject(key);
            if (step == null || step.getString("error") != null) {
              return "-";
            }
            return fmt(step.getJsonObject("latency"), "p50", "%.2f")
                + " / "
                + fmt(step.getJsonObject("latency"), "p99", "%.1f");
          });
      row(
          out,
          names,
          "  server CPU µs per call at " + sessions,
          byTarget,
          t -> {
            JsonObject step = t.getJsonObject(key);
            return step == null || step.getValue("serverCpuUsPerCall") == null
                ? "-"
                : String.format(Locale.ROOT, "%.0f", step.getDouble("serverCpuUsPerCall"));
          });
    }
    row(
        out,
        names,
        "idle sessions opened",
        byTarget,
        t ->
            t.getJsonObject("idle") == null
                ? "-"
                : t.getJsonObject("idle").getValue("sessions").toString());
    row(
        out,
        names,
        "  RSS KB per idle session (process)",
        byTarget,
        t -> fmt(t.getJsonObject("idle"), "rssKbPerSession", "%.1f"));
    row(
        out,
        names,
        "  RSS KB per idle session (with children)",
        byTarget,
        t -> fmt(t.getJsonObject("idle"), "treeRssKbPerSession", "%.1f"));
    row(
        out,
        names,
        "  heap KB per idle session (after GC)",
        byTarget,
        t -> fmt(t.getJsonObject("idle"), "heapKbPerSession", "%.2f"));
    if (out.indexOf("*") >= 0) {
      out.append("* some calls failed (see the JSON)\n");
    }
    out.append("load average at start: ").append(run.getString("loadAverageAtStart")).append('\n');
    out.append("load average at end:   ").append(run.getString("loadAverageAtEnd")).append('\n');
    return out.toString();
  }

  private static void row(
      StringBuilder out,
      List<String> names,
      String label,
      JsonObject byTarget,
      Function<JsonObject, String> cell) {
    out.append(String.format(Locale.ROOT, "  %-42s", label));
    for (String name : names) {
      JsonObject t = byTarget.getJsonObject(name);
      out.append(String.format(Locale.ROOT, "%16s", t == null ? "-" : cell.apply(t)));
    }
    out.append('\n');
  }

  private static String fmt(JsonObject o, String key, String format) {
    if (o == null || o.getValue(key) == null) {
      return "-";
    }
    double v = ((Number) o.getValue(key)).doubleValue();
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
  }

  private static double num(JsonObject t, String section, String key) {
    JsonObject s = t == null ? null : t.getJsonObject(section);
    return s == null || s.getValue(key) == null
        ? Double.NaN
        : ((Number) s.getValue(key)).doubleValue();
  }

  // ---- helpers ----

  static <T> T await(Future<T> future, long timeoutMs) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return null;
    }
  }

  /** The command line. */
  record Config(
      Map<String, String> targets,
      Map<String, Long> pids,
      Map<String, Integer> idleSessions,
      String token,
      int calls,
      int warmup,
      List<Integer> concurrency,
      int seconds,
      long timeoutMs,
      long maxSeconds,
      Path json) {

    static Config parse(String[] args) {
      Map<String, String> targets = new LinkedHashMap<>();
      Map<String, Long> pids = new LinkedHashMap<>();
      Map<String, Integer> idle = new LinkedHashMap<>();
      String token = null;
      int calls = 2000;
      int warmup = 1000;
      List<Integer> concurrency = List.of(1, 8, 32);
      int seconds = 5;
      long timeoutMs = 10_000;
      long maxSeconds = 600;
      Path json = null;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if ("-h".equals(arg) || "--help".equals(arg)) {
          throw new IllegalArgumentException("help");
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(arg + " needs a value");
        }
        String value = args[++i];
        switch (arg) {
          case "--target" -> {
            String[] kv = pair(arg, value);
            targets.put(kv[0], kv[1]);
          }
          case "--pid" -> {
            String[] kv = pair(arg, value);
            pids.put(kv[0], Long.parseLong(kv[1]));
          }
          case "--idle-sessions" -> {
            for (String one : value.split(",")) {
              String[] kv = pair(arg, one);
              idle.put(kv[0], Integer.parseInt(kv[1]));
            }
          }
          case "--token" -> token = value.isEmpty() ? null : value;
          case "--calls" -> calls = Integer.parseInt(value);
          case "--warmup" -> warmup = Integer.parseInt(value);
          case "--concurrency" ->
              concurrency = Arrays.stream(value.split(",")).map(Integer::parseInt).toList();
          case "--seconds" -> seconds = Integer.parseInt(value);
          case "--timeout-ms" -> timeoutMs = Long.parseLong(value);
          case "--max-seconds" -> maxSeconds = Long.parseLong(value);
          case "--json" -> json = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("no --target given");
      }
      return new Config(
          targets,
          pids,
          idle,
          token,
          calls,
          warmup,
          concurrency,
          seconds,
          timeoutMs,
          maxSeconds,
          json);
    }

    private static String[] pair(String option, String value) {
      int eq = value.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(option + " takes NAME=VALUE, not " + value);
      }
      return new String[] {value.substring(0, eq), value.substring(eq + 1)};
    }

    JsonObject toJson() {
      JsonObject pidsJson = new JsonObject();
      pids.forEach(pidsJson::put);
      JsonObject idleJson = new JsonObject();
      idleSessions.forEach(idleJson::put);
      JsonObject targetsJson = new JsonObject();
      targets.forEach(targetsJson::put);
      return new JsonObject()
          .put("targets", targetsJson)
          .put("pids", pidsJson)
          .put("idleSessions", idleJson)
          .put("calls", calls)
          .put("warmup", warmup)
          .put("concurrency", new JsonArray(new ArrayList<>(concurrency)))
          .put("seconds", seconds)
          .put("timeoutMs", timeoutMs);
    }
  }
}
