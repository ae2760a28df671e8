package dev.switchboard.app;

import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.InterfacesConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster configuration: the file shipped in {@code deploy/hazelcast/} as Hazelcast's own
 * builder reads it, a file that would let strangers join refused, Hazelcast bound to the cluster
 * interface only, and the event bus's TLS (CLUSTER_TLS_*) with certificates made by {@code
 * deploy/hazelcast/cluster-certs.sh}: processes with the deployment's certificates talk, one with
 * another CA's certificate or none cannot reach them.
 */
class ClusteringTest {

  static final Path HAZELCAST = DeployFilesTest.DEPLOY.resolve("hazelcast");

  @TempDir Path temp;

  private final List<Vertx> started = new ArrayList<>();
  private final Map<Vertx, HazelcastClusterManager> managers = new HashMap<>();

  @AfterEach
  void closeEverything() {
    Collections.reverse(started);
    for (Vertx vertx : started) {
      try {
        vertx.close().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // already closing or closed
      }
    }
  }

  @Test
  void theShippedFileLoadsWithHazelcastsBuilderAndKeepsThisProcesssAddress() {
    JsonObject cluster =
        new JsonObject()
            .put("config", HAZELCAST.resolve("hazelcast.yaml").toString())
            .put("host", "10.0.0.2")
            .put("port", 5721)
            // ignored with a file: the file names the cluster and its members
            .put("name", "not-this-one")
            .put("members", new JsonArray().add("127.0.0.1"));

    Config config = Clustering.hazelcastConfig(cluster);

    assertThat(config.getClusterName()).isEqualTo("switchboard");
    var join = config.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers())
        .hasSize(10)
        .contains("10.0.0.1:5701", "10.0.0.2:5741");
    InterfacesConfig interfaces = config.getNetworkConfig().getInterfaces();
    assertThat(interfaces.isEnabled()).isTrue();
    assertThat(interfaces.getInterfaces()).containsExactly("10.0.0.2");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5721);
    // what Vert.x needs, from its own default cluster.xml
    assertThat(config.getMultiMapConfigs()).containsKey("__vertx.subs");
    assertThat(config.getMapConfigs()).containsKeys("__vertx.haInfo", "__vertx.nodeInfo");
    assertThat(config.getProperty("hazelcast.partition.count")).isEqualTo("31");
    assertThat(config.getProperty("hazelcast.socket.server.bind.any")).isEqualTo("false");
  }

  @Test
  void aFileThatLetsStrangersJoinOrIsNotHazelcastsIsRefusedNamingTheSetting() throws IOException {
    Path multicast = temp.resolve("multicast.yaml");
    Files.writeString(
        multicast,
        """
        hazelcast:
          cluster-name: switchboard
          network:
            join:
              multicast:
                enabled: true
        """);
    assertThatThrownBy(() -> Clustering.fromFile(multicast))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("CLUSTER_CONFIG")
        .hasMessageContaining("tcp-ip");

    Path misspelt = temp.resolve("misspelt.yaml");
    Files.writeString(
        misspelt,
        """
        hazelcast:
          cluster-nam: switchboard
        """);
    assertThatThrownBy(() -> Clustering.fromFile(misspelt))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("CLUSTER_CONFIG")
        .hasMessageContaining("not a Hazelcast configuration");

    assertThatThrownBy(() -> Clustering.fromFile(temp.resolve("absent.yaml")))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void theEventBusTlsNeedsAllThreeFiles() throws IOException {
    Path cert = Files.writeString(temp.resolve("a.crt"), "x");
    JsonObject cluster =
        new JsonObject()
            .put("host", "127.0.0.1")
            .put("tls", new JsonObject().put("cert", cert.toString()).put("ca", cert.toString()));
    assertThatThrownBy(() -> Clustering.eventBus(cluster))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("CLUSTER_TLS_KEY is not set");

    cluster.getJsonObject("tls").put("key", temp.resolve("absent.key").toString());
    assertThatThrownBy(() -> Clustering.eventBus(cluster))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("CLUSTER_TLS_KEY: ")
        .hasMessageContaining("does not exist");

    assertThat(Clustering.eventBus(new JsonObject().put("host", "127.0.0.1")).isSsl()).isFalse();
  }

  @Test
  @Timeout(180)
  void onlyProcessesWithTheDeploymentsCertificateReachEachOtherOverTheEventBus() throws Exception {
    Path certs = temp.resolve("certs");
    Path other = temp.resolve("other-ca");
    certs(certs);
    certs(other);

    String name = "switchboard-test-" + UUID.randomUUID();
    int[] ports = {freePort(), freePort(), freePort(), freePort()};
    JsonArray members = new JsonArray();
    for (int port : ports) {
      members.add("127.0.0.1:" + port);
    }
    // B reads the cluster's name and members from a CLUSTER_CONFIG file, the others from settings
    Path file = temp.resolve("hazelcast.yaml");
    StringBuilder yaml =
        new StringBuilder(
            "hazelcast:\n  cluster-name: "
                + name
                + "\n  network:\n    join:\n      multicast:\n        enabled: false\n"
                + "      auto-detection:\n        enabled: false\n"
                + "      tcp-ip:\n        enabled: true\n        member-list:\n");
    for (Object member : members) {
      yaml.append("          - ").append(member).append('\n');
    }
    Files.writeString(file, yaml);

    Vertx a = start(cluster(name, members, ports[0]).put("tls", tls(certs)));
    Vertx b =
        start(
            new JsonObject()
                .put("config", file.toString())
                .put("host", "127.0.0.1")
                .put("port", ports[1])
                .put("tls", tls(certs)));
    Vertx strangerCa = start(cluster(name, members, ports[2]).put("tls", tls(other)));
    Vertx plain = start(cluster(name, members, ports[3]));

    // all four joined Hazelcast: only the event bus tells them apart
    assertThat(managers.get(a).getNodes()).hasSize(4);

    a.eventBus().consumer("test.ping", message -> message.reply("pong from A"));
    // the subscription reaches the others through Hazelcast; on a busy machine, give it time
    DeliveryOptions patient = new DeliveryOptions().setSendTimeout(10_000);
    Object answer = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (answer == null && System.nanoTime() < deadline) {
      try {
        answer =
            b.eventBus().request("test.ping", "hi", patient).await(30, TimeUnit.SECONDS).body();
      } catch (ReplyException e) {
        Thread.sleep(500); // no handler known yet, or timed out
      }
    }
    assertThat(answer).isEqualTo("pong from A");
    for (Vertx outsider : List.of(strangerCa, plain)) {
      Future<Object> reply =
          outsider.eventBus().request("test.ping", "hi", patient).map(m -> m.body());
      // the handler is known to it (not NO_HANDLERS): the message is sent, and lost in the TLS
      // handshake that A refuses or that it cannot complete
      assertThatThrownBy(() -> reply.await(30, TimeUnit.SECONDS))
          .as("a request from a process without the deployment's certificate")
          .isInstanceOfSatisfying(
              ReplyException.class,
              e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.TIMEOUT));
    }
  }

  @Test
  @Timeout(120)
  void hazelcastListensOnTheClusterInterfaceOnly() throws Exception {
    Optional<InetAddress> outside = nonLoopbackAddress();
    assumeThat(outside).as("a non-loopback IPv4 address on this machine").isPresent();
    int port = freePort();
    Vertx vertx =
        start(
            cluster(
                "switchboard-test-" + UUID.randomUUID(),
                new JsonArray().add("127.0.0.1:" + port),
                port));
    int bound =
        managers
            .get(vertx)
            .getHazelcastInstance()
            .getCluster()
            .getLocalMember()
            .getAddress()
            .getPort();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), bound), 2000);
    }
    try (Socket socket = new Socket()) {
      assertThatThrownBy(() -> socket.connect(new InetSocketAddress(outside.get(), bound), 2000))
          .as("Hazelcast's port %d on %s", bound, outside.get())
          .isInstanceOf(ConnectException.class);
    }
  }

  private static JsonObject cluster(String name, JsonArray members, int port) {
    return new JsonObject()
        .put("name", name)
        .put("members", members)
        .put("host", "127.0.0.1")
        .put("port", port);
  }

  private static JsonObject tls(Path dir) {
    return new JsonObject()
        .put("cert", dir.resolve("127.0.0.1.crt").toString())
        .put("key", dir.resolve("127.0.0.1.key").toString())
        .put("ca", dir.resolve("ca.crt").toString());
  }

  private static void certs(Path dir) {
    Tools.require(Tools.OPENSSL, "openssl");
    Tools.Result made =
        Tools.run(
            List.of(
                HAZELCAST.resolve("cluster-certs.sh").toString(),
                "--dir",
                dir.toString(),
                "--days",
                "2",
                "127.0.0.1"),
            null,
            null);
    assertThat(made.exit()).as(made.output()).isZero();
  }

  private Vertx start(JsonObject cluster) throws Exception {
    VertxOptions options = new VertxOptions().setEventBusOptions(Clustering.eventBus(cluster));
    HazelcastClusterManager manager = Clustering.clusterManager(cluster);
    Vertx vertx =
        Vertx.builder()
            .with(options)
            .withClusterManager(manager)
            .buildClustered()
            .await(90, TimeUnit.SECONDS);
    started.add(vertx);
    managers.put(vertx, manager);
    return vertx;
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address) {
          return Optional.of(address);
        }
      }
    }
    return Optional.empty();
  }
}
