package dev.switchboard.bench;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.DistributedObject;
import dev.switchboard.hub.HubVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The cost per broadcast of keeping connection-state recovery in the cluster ({@code
 * HUB_RECOVERY_STORE=cluster}) against the hub's own memory ({@code local}), side by side in one
 * run: one JVM, two Vert.x instances clustered over Hazelcast on loopback (so half the map
 * partitions, and every backup, are on the other member), a hub on the first, deployed once per
 * store, in alternating rounds. Each round sends {@code --emits} broadcasts through {@code POST
 * /emit} in batches of 1,000 to a namespace with no sockets (the delivery cost is the same for both
 * stores; what differs is recording), waits until the cluster holds every write, and reports the
 * process CPU time and wall time per broadcast.
 *
 * <pre>
 *   java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.RecoveryCostBench [--emits N] [--rounds R]
 * </pre>
 */
public final class RecoveryCostBench {

  private static final String TOKEN = "bench-emit-token-0123456789abcdef";
  private static final int BATCH = 1_000;

  public static void main(String[] args) throws Exception {
    int emits = 50_000;
    int rounds = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--emits" -> emits = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    String cluster = "recovery-bench-" + ProcessHandle.current().pid();
    Vertx hubNode = clustered(cluster, 5901);
    Vertx otherNode = clustered(cluster, 5911);
    HttpClient http = hubNode.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    List<String> lines = new ArrayList<>();
    lines.add("| round | store | broadcasts | CPU µs/broadcast | wall µs/broadcast |");
    lines.add("|---|---|---|---|---|");
    double[] cpuSum = new double[2];
    double[] wallSum = new double[2];
    try {
      // a warm-up of each store, not reported
      for (String store : List.of("local", "cluster")) {
        measure(hubNode, http, store, Math.min(emits, 20_000));
      }
      for (int round = 1; round <= rounds; round++) {
        for (int s = 0; s < 2; s++) {
          String store = s == 0 ? "local" : "cluster";
          double[] result = measure(hubNode, http, store, emits);
          cpuSum[s] += result[0];
          wallSum[s] += result[1];
          lines.add(
              String.format(
                  Locale.ROOT,
                  "| %d | %s | %,d | %.1f | %.1f |",
                  round,
                  store,
                  emits,
                  result[0],
                  result[1]));
        }
      }
    } finally {
      hubNode.close().await();
      otherNode.close().await();
    }
    lines.forEach(System.out::println);
    System.out.printf(
        Locale.ROOT,
        "mean: local %.1f µs CPU (%.1f wall), cluster %.1f µs CPU (%.1f wall) per broadcast;"
            + " the cluster adds %.1f µs CPU per broadcast%n",
        cpuSum[0] / rounds,
        wallSum[0] / rounds,
        cpuSum[1] / rounds,
        wallSum[1] / rounds,
        (cpuSum[1] - cpuSum[0]) / rounds);
  }

  /** CPU and wall microseconds per broadcast with the hub's recovery in {@code store}. */
  private static double[] measure(Vertx vertx, HttpClient http, String store, int emits)
      throws InterruptedException {
    JsonObject config =
        new JsonObject()
            .put("port", 0)
            .put("bindHost", "127.0.0.1")
            .put("recoveryStore", store)
            .put("relayPolling", "off")
            .put("maxPayload", 10_000_000)
            .put("auth", new JsonObject().put("adminToken", TOKEN + "a").put("emitToken", TOKEN));
    HubVerticle hub = new HubVerticle();
    Set<String> before = packetMaps();
    String deployment =
        vertx.deployVerticle(hub, new DeploymentOptions().setConfig(config)).await();
    Set<String> maps = packetMaps();
    maps.removeAll(before);
    try {
      Buffer batch = batch();
      long cpu0 = processCpuNanos();
      long wall0 = System.nanoTime();
      for (int sent = 0; sent < emits; sent += BATCH) {
        http.request(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setHost("127.0.0.1")
                    .setPort(hub.actualPort())
                    .setURI("/emit")
                    .putHeader("Authorization", "Bearer " + TOKEN)
                    .putHeader("Content-Type", "application/json"))
            .compose(request -> request.send(batch))
            .compose(
                response -> {
                  if (response.statusCode() != 202) {
                    throw new IllegalStateException("/emit answered " + response.statusCode());
                  }
                  return response.body();
                })
            .await();
      }
      if (store.equals("cluster")) {
        awaitWrites(maps, Math.min(emits, 10_000));
      }
      long wall = System.nanoTime() - wall0;
      long cpu = processCpuNanos() - cpu0;
      return new double[] {cpu / 1_000.0 / emits, wall / 1_000.0 / emits};
    } finally {
      vertx.undeploy(deployment).await();
    }
  }

  private static Buffer batch() {
    JsonArray emits = new JsonArray();
    String padding = "x".repeat(60);
    for (int i = 0; i < BATCH; i++) {
      emits.add(
          new JsonObject()
              .put("namespace", "/mcp")
              .put("event", "bench")
              .put("data", new JsonObject().put("s", i).put("p", padding)));
    }
    return emits.toBuffer();
  }

  /** The names of the hub's maps of recorded broadcasts that exist now. */
  private static Set<String> packetMaps() {
    Set<String> names = new HashSet<>();
    for (DistributedObject object : hazelcast.getHazelcastInstance().getDistributedObjects()) {
      if (object.getName().startsWith("hub.recovery.packets.")) {
        names.add(object.getName());
      }
    }
    return names;
  }

  /** Waits until one of {@code maps} holds {@code expected} entries: every write has landed. */
  private static void awaitWrites(Set<String> maps, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (String name : maps) {
        if (hazelcast.getHazelcastInstance().getMap(name).size() >= expected) {
          return;
        }
      }
      Thread.sleep(2);
    }
    throw new IllegalStateException("the cluster did not get every write within 120 s");
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The hub's member. */
  private static HazelcastClusterManager hazelcast;

  private static Vertx clustered(String name, int port) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(name);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    NetworkConfig network = config.getNetworkConfig().setPort(port).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:5901").addMember("127.0.0.1:5911");
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    if (hazelcast == null) {
      hazelcast = manager;
    }
    return Vertx.builder()
        .withClusterManager(manager)
        .with(
            new io.vertx.core.VertxOptions()
                .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .buildClustered()
        .await();
  }
}
