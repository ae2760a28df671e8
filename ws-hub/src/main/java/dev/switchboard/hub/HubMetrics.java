package dev.switchboard.hub;

import dev.switchboard.hub.socket.SocketMetrics;
import dev.switchboard.hub.socket.SocketServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The hub's own meters: {@code switchboard_hub_ws_connections{namespace}}, {@code
 * switchboard_hub_packets_in_total}, {@code switchboard_hub_packets_out_total} (one per recipient),
 * {@code switchboard_hub_emits_total}, {@code switchboard_hub_drops_total{reason}}, {@code
 * switchboard_hub_recovery_hits_total}, {@code switchboard_hub_streams_active}, {@code
 * switchboard_hub_engine_sessions}, {@code switchboard_hub_engine_pending} and {@code
 * switchboard_hub_engine_storm_collections_total}.
 */
final class HubMetrics implements SocketMetrics {

  static final String UNKNOWN = "unknown";

  /**
   * Every reason {@link SocketMetrics#dropped} is given, registered at 0 from the start: an alert
   * on {@code increase(...)} sees the first drop (a series born at 1 shows no increase).
   */
  static final List<String> DROP_REASONS =
      List.of("volatile", "slow_consumer", "rate_limit", "protocol", "recovery_cluster");

  private final MeterRegistry registry;
  private final Map<String, Counter> in = new HashMap<>();
  private final Map<String, Counter> out = new HashMap<>();
  private final Map<String, Counter> drops = new HashMap<>();
  private final Map<String, Counter> recoveries = new HashMap<>();
  private final Counter emits;
  private final Timer deliveredFromEmit;
  private final Timer deliveredFromBus;

  /**
   * The delivery-latency histogram's buckets: a hub on an idle event loop delivers in well under a
   * millisecond; a busy one, or a large fan-out, takes milliseconds to seconds.
   */
  static final Duration[] LATENCY_BUCKETS = {
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofNanos(2_500_000),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2_500),
  };

  HubMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.emits =
        Counter.builder("hub.emits")
            .description("events accepted by POST /emit")
            .register(registry);
    deliveredFromEmit = latency("emit");
    deliveredFromBus = latency("bus");
    DROP_REASONS.forEach(
        reason ->
            counter(
                drops,
                "hub.drops",
                "connections dropped or packets not sent, by reason",
                "reason",
                reason));
  }

  void bind(SocketServer server, Streams streams) {
    for (var namespace : server.namespaces()) {
      Gauge.builder("hub.ws.connections", namespace, ns -> ns.size())
          .description("connected sockets")
          .tag("namespace", namespace.name())
          .register(registry);
    }
    Gauge.builder("hub.streams.active", streams, Streams::active)
        .description("event-bus streams consumed")
        .register(registry);
    Gauge.builder("hub.engine.sessions", server.engine(), engine -> engine.sessionCount())
        .description("Engine.IO sessions")
        .register(registry);
    Gauge.builder("hub.engine.pending", server.engine(), engine -> engine.pendingCount())
        .description("Engine.IO sessions that have joined no namespace yet")
        .register(registry);
    FunctionCounter.builder(
            "hub.engine.storm.collections", server.engine(), engine -> engine.stormCollections())
        .description("full collections after a burst of new sessions (a reconnect storm)")
        .register(registry);
  }

  void emitted(int count) {
    emits.increment(count);
  }

  /**
   * One emit delivered, {@code nanos} after it entered the hub: through this node's POST /emit
   * ({@code fromEmit}), or over the event bus. One sample per emit, whatever the recipients.
   */
  void delivered(boolean fromEmit, long nanos) {
    (fromEmit ? deliveredFromEmit : deliveredFromBus).record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer latency(String source) {
    return Timer.builder("hub.delivery.latency")
        .description(
            "from an emit entering the hub (POST /emit on this node, or its arrival over the event"
                + " bus) to its frames handed to every recipient's connection")
        .tag("source", source)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  @Override
  public void packetIn(String namespace) {
    // a client names the namespace: one it may not join counts as "unknown", so made-up names
    // cannot grow the registry
    String tag = HubNamespaces.NAMES.contains(namespace) ? namespace : UNKNOWN;
    counter(in, "hub.packets.in", "packets received from clients", "namespace", tag).increment();
  }

  @Override
  public void packetOut(String namespace, int recipients) {
    counter(
            out,
            "hub.packets.out",
            "packets sent to clients (one per recipient)",
            "namespace",
            namespace)
        .increment(recipients);
  }

  @Override
  public void dropped(String reason) {
    counter(
            drops,
            "hub.drops",
            "connections dropped or packets not sent, by reason",
            "reason",
            reason)
        .increment();
  }

  @Override
  public void recovered(String namespace) {
    counter(
            recoveries,
            "hub.recovery.hits",
            "connections recovered with their missed packets",
            "namespace",
            namespace)
        .increment();
  }

  private Counter counter(
      Map<String, Counter> cache, String name, String description, String tag, String value) {
    return cache.computeIfAbsent(
        value, v -> Counter.builder(name).description(description).tag(tag, v).register(registry));
  }
}
