package dev.switchboard.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Command-line options of {@link FanoutBench}. */
public final class BenchConfig {

  public static final String USAGE =
      """
      usage: FanoutBench --url http://127.0.0.1:3007 --namespace /mcp --token T --emit-token E [options]
        --url URL               server base URL (http://host:port); websocket at <path>?EIO=4&transport=websocket
        --path PATH             Socket.IO path (/socket.io/)
        --namespace NSP         namespace the clients join and the emits target (/mcp)
        --event NAME            event name of the emits (bench)
        --token T               handshake auth token (or env ADMIN_TOKEN)
        --emit-token E          bearer token of POST /emit (or env EMIT_TOKEN)
        --clients N             socket clients (1000)
        --rates R1,R2,...       emits per second of each step (100,200,500,1000,2000,5000); empty: no steps
        --step-seconds S        length of each step (10)
        --drain-seconds S       longest wait after a step for messages still in flight (5)
        --pause-seconds S       pause between steps (1)
        --p99-bound-ms MS       a step passes with p99 under this bound ... (50)
        --min-share F           ... and at least this share delivered (0.999)
        --continue-on-fail      run every step even after one failed
        --warmup-seconds S      unmeasured load before measuring, for JIT of server and generator (15)
        --warmup-rate R         emits per second of the warm-up (10,000 deliveries/s: 10,000 / clients)
        --fail-retries K        repeat a failing step up to K times before it counts (1)
        --single-broadcast      also measure single broadcasts: one emit to all N clients
        --broadcasts K          single broadcasts measured (5), after --warmup-broadcasts (1)
        --broadcast-interval-ms pause between single broadcasts (1000)
        --noise-max-pct P       other processes using more CPU than this (% of a core) make a step noisy (15)
        --noisy-retries K       repeat a noisy step up to K times, after waiting for quiet (2)
        --quiet-wait-seconds S  longest wait for the machine to go quiet before a step (120)
        --max-run-seconds S     stop starting new steps after this long, results are still written (480)
        --server-pid PID        server process, for RSS and CPU from /proc (optional)
        --label NAME            name of the server in the report (server)
        --json FILE             write the results as JSON
        --connect-rate R        new connections per second (500); 0: unpaced, as fast as --max-inflight
                                allows (a reconnect storm, as after a server restart)
        --max-inflight K        handshakes in flight at once (200)
        --handshake-timeout-ms  give up on a connection after this long (15000)
        --settle-seconds S      wait after connecting before the connected RSS sample (3)
        --idle-seconds S        and sample it again when the clients have been idle this long (20;
                                a JVM returns its JIT's scratch memory within seconds)
        --settled-window A,B    also sample the server's RSS once a second from connecting to B s
                                after, and give the median of the samples from A to B s as its
                                settled figure (none; fanout.sh --storm: 32,42, past the first
                                heartbeat round of 25 s)
        --event-loops K         event loops for the clients (one per available core); the emitter gets one more
        --emit-connections K    keep-alive HTTP connections for /emit (8)
        --batch K               emits per POST /emit (1; >1 sends a JSON array)
        --payload-bytes B       size of each emit's data object (100)
      """;

  public URI url = URI.create("http://127.0.0.1:3007");
  public String path = "/socket.io/";
  public String namespace = "/mcp";
  public String event = "bench";
  public String token;
  public String emitToken;
  public int clients = 1000;
  public List<Double> rates = new ArrayList<>(List.of(100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0));
  public double stepSeconds = 10;
  public double drainSeconds = 5;
  public double pauseSeconds = 1;
  public double p99BoundMs = 50;
  public double minShare = 0.999;
  public boolean continueOnFail;
  public boolean singleBroadcast;
  public double warmupSeconds = 15;
  public int failRetries = 1;
  public double warmupRate = -1;
  public int broadcasts = 5;
  public int warmupBroadcasts = 1;
  public long broadcastIntervalMs = 1000;
  public long serverPid = -1;
  public double noiseMaxPct = 15;
  public int noisyRetries = 2;
  public double quietWaitSeconds = 120;
  public double maxRunSeconds = 480;
  public String label = "server";
  public String json;
  public double connectRate = 500;
  public int maxInflight = 200;
  public long handshakeTimeoutMs = 15000;
  public double settleSeconds = 3;
  public double idleSeconds = 20;

  /** The window of the settled RSS figure, in seconds after connecting (0, 0: none). */
  public double settledFrom;

  public double settledTo;

  /**
   * One per core the process may use: on the single core fanout.sh pins it to, more only add
   * context switches.
   */
  public int eventLoops = Math.max(1, Runtime.getRuntime().availableProcessors());

  public int emitConnections = 8;
  public int batch = 1;
  public int payloadBytes = 100;

  /**
   * The warm-up rate: {@code --warmup-rate}, else 10,000 deliveries per second (enough for the JITs
   * to compile the hot paths, well under what any server sustains).
   */
  public double effectiveWarmupRate() {
    if (warmupRate > 0) {
      return warmupRate;
    }
    return 10_000.0 / clients;
  }

  /**
   * Whether clients connect as fast as they can ({@code --connect-rate 0}) rather than at a set
   * rate.
   */
  public boolean unpacedConnects() {
    return connectRate == 0;
  }

  public String host() {
    return url.getHost();
  }

  public int port() {
    int p = url.getPort();
    return p > 0 ? p : "https".equals(url.getScheme()) ? 443 : 80;
  }

  public static BenchConfig parse(String[] args, Map<String, String> env) {
    BenchConfig c = new BenchConfig();
    c.token = env.get("ADMIN_TOKEN");
    c.emitToken = env.get("EMIT_TOKEN");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      String key = a.substring(2);
      String value = null;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      }
      switch (key) {
        case "continue-on-fail" -> c.continueOnFail = true;
        case "single-broadcast" -> c.singleBroadcast = true;
        case "help" -> throw new IllegalArgumentException("help");
        default -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException("--" + key + " needs a value");
            }
            value = args[++i];
          }
          c.set(key, value);
        }
      }
    }
    c.validate();
    return c;
  }

  private void set(String key, String v) {
    switch (key) {
      case "url" -> url = URI.create(v);
      case "path" -> path = v;
      case "namespace" -> namespace = v;
      case "event" -> event = v;
      case "token" -> token = v;
      case "emit-token" -> emitToken = v;
      case "clients" -> clients = Integer.parseInt(v);
      case "rates" -> rates = parseRates(v);
      case "step-seconds" -> stepSeconds = Double.parseDouble(v);
      case "drain-seconds" -> drainSeconds = Double.parseDouble(v);
      case "pause-seconds" -> pauseSeconds = Double.parseDouble(v);
      case "p99-bound-ms" -> p99BoundMs = Double.parseDouble(v);
      case "min-share" -> minShare = Double.parseDouble(v);
      case "warmup-seconds" -> warmupSeconds = Double.parseDouble(v);
      case "warmup-rate" -> warmupRate = Double.parseDouble(v);
      case "fail-retries" -> failRetries = Integer.parseInt(v);
      case "broadcasts" -> broadcasts = Integer.parseInt(v);
      case "warmup-broadcasts" -> warmupBroadcasts = Integer.parseInt(v);
      case "broadcast-interval-ms" -> broadcastIntervalMs = Long.parseLong(v);
      case "noise-max-pct" -> noiseMaxPct = Double.parseDouble(v);
      case "noisy-retries" -> noisyRetries = Integer.parseInt(v);
      case "quiet-wait-seconds" -> quietWaitSeconds = Double.parseDouble(v);
      case "max-run-seconds" -> maxRunSeconds = Double.parseDouble(v);
      case "server-pid" -> serverPid = Long.parseLong(v);
      case "label" -> label = v;
      case "json" -> json = v;
      case "connect-rate" -> connectRate = Double.parseDouble(v);
      case "max-inflight" -> maxInflight = Integer.parseInt(v);
      case "handshake-timeout-ms" -> handshakeTimeoutMs = Long.parseLong(v);
      case "settle-seconds" -> settleSeconds = Double.parseDouble(v);
      case "idle-seconds" -> idleSeconds = Double.parseDouble(v);
      case "settled-window" -> settledWindow(v);
      case "event-loops" -> eventLoops = Integer.parseInt(v);
      case "emit-connections" -> emitConnections = Integer.parseInt(v);
      case "batch" -> batch = Integer.parseInt(v);
      case "payload-bytes" -> payloadBytes = Integer.parseInt(v);
      default -> throw new IllegalArgumentException("unknown option --" + key);
    }
  }

  private void settledWindow(String v) {
    String[] ends = v.split(",", -1);
    if (ends.length != 2) {
      throw new IllegalArgumentException("--settled-window must be A,B (seconds): " + v);
    }
    settledFrom = Double.parseDouble(ends[0].trim());
    settledTo = Double.parseDouble(ends[1].trim());
    if (!(settledFrom >= 0 && settledTo >= settledFrom)) {
      throw new IllegalArgumentException("--settled-window needs 0 <= A <= B: " + v);
    }
  }

  public static List<Double> parseRates(String v) {
    List<Double> out = new ArrayList<>();
    for (String part : v.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      double r = Double.parseDouble(p);
      if (!(r > 0)) {
        throw new IllegalArgumentException("rates must be positive: " + p);
      }
      out.add(r);
    }
    return out;
  }

  private void validate() {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("--token (or env ADMIN_TOKEN) is required");
    }
    if (emitToken == null || emitToken.isEmpty()) {
      throw new IllegalArgumentException("--emit-token (or env EMIT_TOKEN) is required");
    }
    if (!"http".equals(url.getScheme()) || url.getHost() == null) {
      throw new IllegalArgumentException("--url must be http://host:port");
    }
    if (!namespace.startsWith("/")) {
      throw new IllegalArgumentException("--namespace must start with /");
    }
    if (clients < 1 || eventLoops < 1 || emitConnections < 1 || batch < 1 || maxInflight < 1) {
      throw new IllegalArgumentException(
          "--clients, --event-loops, --emit-connections, --batch, --max-inflight must be >= 1");
    }
    if (!(connectRate >= 0) || !(stepSeconds > 0) || drainSeconds < 0 || pauseSeconds < 0) {
      throw new IllegalArgumentException("rates and durations must be positive");
    }
    if (minShare < 0 || minShare > 1) {
      throw new IllegalArgumentException("--min-share must be within [0, 1]");
    }
    if (broadcasts < 1 || warmupBroadcasts < 0) {
      throw new IllegalArgumentException("--broadcasts must be >= 1 and --warmup-broadcasts >= 0");
    }
  }

  /** The options as JSON, without the tokens. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("url", url.toString())
        .put("path", path)
        .put("namespace", namespace)
        .put("event", event)
        .put("clients", clients)
        .put("rates", new JsonArray(new ArrayList<Object>(rates)))
        .put("stepSeconds", stepSeconds)
        .put("drainSeconds", drainSeconds)
        .put("pauseSeconds", pauseSeconds)
        .put("p99BoundMs", p99BoundMs)
        .put("minShare", minShare)
        .put("continueOnFail", continueOnFail)
        .put("singleBroadcast", singleBroadcast)
        .put("warmupSeconds", warmupSeconds)
        .put("warmupRate", effectiveWarmupRate())
        .put("failRetries", failRetries)
        .put("broadcasts", broadcasts)
        .put("warmupBroadcasts", warmupBroadcasts)
        .put("serverPid", serverPid)
        .put("noiseMaxPct", noiseMaxPct)
        .put("noisyRetries", noisyRetries)
        .put("quietWaitSeconds", quietWaitSeconds)
        .put("maxRunSeconds", maxRunSeconds)
        .put("label", label)
        .put("connectRate", connectRate)
        .put("maxInflight", maxInflight)
        .put("settleSeconds", settleSeconds)
        .put("idleSeconds", idleSeconds)
        .put("settledWindow", settledTo > 0 ? settledFrom + "," + settledTo : null)
        .put("eventLoops", eventLoops)
        .put("emitConnections", emitConnections)
        .put("batch", batch)
        .put("payloadBytes", payloadBytes);
  }
}
