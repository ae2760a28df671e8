package dev.switchboard.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Hazelcast cluster of a split deployment: TCP-IP join with the configured members (no
 * multicast), bound to the cluster interface, so that several processes on one machine form a
 * cluster on loopback and several machines form one on their LAN addresses.
 *
 * <p>The cluster name and members come from CLUSTER_NAME and CLUSTER_MEMBERS, or from a Hazelcast
 * XML or YAML file (CLUSTER_CONFIG, one file shared by every process of every host; see {@code
 * deploy/hazelcast/}); this process's own address, CLUSTER_HOST and CLUSTER_PORT, always comes from
 * its settings. With CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and CLUSTER_TLS_CA the event bus's own TCP
 * connections, which carry every message between the processes, are TLS with a certificate on both
 * ends; Hazelcast's connections (membership, and which process listens on which address) stay
 * plain, since member TLS is a Hazelcast Enterprise feature.
 */
final class Clustering {

  /**
   * Hazelcast's defaults that a small cluster of a few processes does better without, each applied
   * unless the CLUSTER_CONFIG file sets it.
   */
  static final Map<String, String> PROPERTIES = properties();

  private Clustering() {}

  private static Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("hazelcast.phone.home.enabled", "false");
    p.put("hazelcast.logging.type", "slf4j");
    p.put("hazelcast.shutdownhook.enabled", "false");
    // listen on CLUSTER_HOST only, not on every interface (Hazelcast's default binds them all)
    p.put("hazelcast.socket.server.bind.any", "false");
    // members are listed: the master need not wait for more join requests to batch (default 5 s)
    p.put("hazelcast.wait.seconds.before.join", "0");
    // Vert.x keeps a few small maps in the cluster: 271 partitions (the default) cost a joining
    // member one migration each before it is ready (about 4 s of a 2-core machine's start, measured
    // with bench/footprint.sh); every member of a cluster must use the same count
    p.put("hazelcast.partition.count", "31");
    return Map.copyOf(p);
  }

  static HazelcastClusterManager clusterManager(JsonObject cluster) {
    return new HazelcastClusterManager(hazelcastConfig(cluster));
  }

  static Config hazelcastConfig(JsonObject cluster) {
    String file = cluster.getString("config");
    Config config = file == null ? fromSettings(cluster) : fromFile(Path.of(file));
    PROPERTIES.forEach(
        (name, value) -> {
          if (config.getProperty(name) == null) {
            config.setProperty(name, value);
          }
        });
    // this process's own address: the interface and port of its settings, in either case
    NetworkConfig network =
        config.getNetworkConfig().setPort(cluster.getInteger("port")).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).clear().addInterface(cluster.getString("host"));
    return config;
  }

  private static Config fromSettings(JsonObject cluster) {
    // Vert.x's default cluster.xml holds the maps and multimaps Vert.x needs; only the network
    // changes
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.getString("name"));
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    cluster
        .getJsonArray("members")
        .forEach(member -> join.getTcpIpConfig().addMember(member.toString()));
    return config;
  }

  /**
   * The CLUSTER_CONFIG file, with the maps and multimaps Vert.x needs added where it does not name
   * them. Only TCP-IP join is accepted: multicast and auto-detection would find any process on the
   * network.
   */
  static Config fromFile(Path file) {
    if (!Files.isReadable(file)) {
      throw new LaunchException("CLUSTER_CONFIG: " + file + " does not exist or is not readable");
    }
    Config config;
    try {
      config = Config.loadFromFile(file.toFile());
    } catch (IOException | InvalidConfigurationException | IllegalArgumentException e) {
      throw new LaunchException(
          "CLUSTER_CONFIG: " + file + " is not a Hazelcast configuration: " + e.getMessage());
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    if (!join.getTcpIpConfig().isEnabled()
        || join.getTcpIpConfig().getMembers().isEmpty()
        || join.getMulticastConfig().isEnabled()
        || join.getAutoDetectionConfig().isEnabled()) {
      throw new LaunchException(
          "CLUSTER_CONFIG: "
              + file
              + " must join over tcp-ip with a member list, and turn multicast and auto-detection off");
    }
    Config vertx = ConfigUtil.loadConfig();
    vertx
        .getMultiMapConfigs()
        .forEach((name, multiMap) -> config.getMultiMapConfigs().putIfAbsent(name, multiMap));
    vertx.getMapConfigs().forEach((name, map) -> config.getMapConfigs().putIfAbsent(name, map));
    return config;
  }

  static EventBusOptions eventBus(JsonObject cluster) {
    EventBusOptions options = new EventBusOptions().setHost(cluster.getString("host")).setPort(0);
    JsonObject tls = cluster.getJsonObject("tls");
    String cert = tls == null ? null : tls.getString("cert");
    String key = tls == null ? null : tls.getString("key");
    String ca = tls == null ? null : tls.getString("ca");
    if (cert == null && key == null && ca == null) {
      return options;
    }
    requireFile("CLUSTER_TLS_CERT", cert);
    requireFile("CLUSTER_TLS_KEY", key);
    requireFile("CLUSTER_TLS_CA", ca);
    // both ends show a certificate from the CA: a process without one can neither send to nor
    // receive from the others, even if it joins Hazelcast
    return options
        .setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key))
        .setTrustOptions(new PemTrustOptions().addCertPath(ca))
        .setClientAuth(ClientAuth.REQUIRED);
  }

  private static void requireFile(String setting, String path) {
    if (path == null) {
      throw new LaunchException(
          setting
              + " is not set: the event bus's TLS needs CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and"
              + " CLUSTER_TLS_CA together");
    }
    if (!Files.isReadable(Path.of(path))) {
      throw new LaunchException(setting + ": " + path + " does not exist or is not readable");
    }
  }
}
