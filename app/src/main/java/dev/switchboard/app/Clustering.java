package dev.switchboard.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The Hazelcast cluster of a split deployment: TCP-IP join with the configured members (no
 * multicast), bound to the cluster interface, so that several processes on one machine form a
 * cluster on loopback and several machines form one on their LAN addresses.
 */
final class Clustering {

  private Clustering() {}

  static HazelcastClusterManager clusterManager(JsonObject cluster) {
    // Vert.x's default cluster.xml holds the maps and multimaps Vert.x needs; only the network
    // changes
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.getString("name"));
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // members are listed, so there is nothing to wait for before joining (the default waits 5 s)
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    NetworkConfig network =
        config.getNetworkConfig().setPort(cluster.getInteger("port")).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface(cluster.getString("host"));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    cluster
        .getJsonArray("members")
        .forEach(member -> join.getTcpIpConfig().addMember(member.toString()));
    return new HazelcastClusterManager(config);
  }

  static EventBusOptions eventBus(JsonObject cluster) {
    return new EventBusOptions().setHost(cluster.getString("host")).setPort(0);
  }
}
