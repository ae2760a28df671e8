package dev.switchboard.mcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The host's meters: {@code mcp.instances} (running), {@code mcp.sessions}, {@code
 * mcp.instances.started}, {@code mcp.requests{server}}, {@code mcp.stdout.garbage{server}}, {@code
 * mcp.stderr.lines{server}}, {@code mcp.notifications.dropped}, {@code
 * mcp.server.instances{server}}, {@code mcp.instances.restarted{server}}, and per tool {@code
 * mcp.tool.calls{server,tool,outcome}} and the latency {@code mcp.tool.duration{server,tool}} (a
 * histogram). Tool names come from the server (or a client): at most {@link #TOOL_LABELS} distinct
 * ones per server become labels, the rest are counted as {@code other}. Used on the host's context.
 */
final class HostMeters {

  private final MeterRegistry registry;
  private final AtomicInteger running = new AtomicInteger();
  private final Counter started;
  private final Counter dropped;
  private final Map<String, AtomicInteger> perServer = new HashMap<>();
  private final Map<String, Set<String>> toolLabels = new HashMap<>();

  /** Distinct tool labels per server; further tools are labelled {@code other}. */
  static final int TOOL_LABELS = 50;

  HostMeters(MeterRegistry registry, Supplier<Number> sessions) {
    this.registry = registry;
    Gauge.builder("mcp.instances", running, AtomicInteger::get)
        .description("MCP server instances running")
        .register(registry);
    Gauge.builder("mcp.sessions", sessions)
        .description("client sessions held by the MCP host")
        .register(registry);
    started =
        Counter.builder("mcp.instances.started")
            .description("MCP server instances started")
            .register(registry);
    dropped =
        Counter.builder("mcp.notifications.dropped")
            .description("notifications not delivered: no open stream, or a slow client's full one")
            .register(registry);
  }

  void started(String server) {
    running.incrementAndGet();
    started.increment();
    ofServer(server).incrementAndGet();
  }

  void ended(String server) {
    running.decrementAndGet();
    ofServer(server).decrementAndGet();
  }

  private AtomicInteger ofServer(String server) {
    return perServer.computeIfAbsent(
        server,
        name -> {
          AtomicInteger count = new AtomicInteger();
          Gauge.builder("mcp.server.instances", count, AtomicInteger::get)
              .description("instances of this MCP server running")
              .tag("server", name)
              .register(registry);
          return count;
        });
  }

  void restarted(String server) {
    registry.counter("mcp.instances.restarted", "server", server).increment();
  }

  /**
   * A finished {@code tools/call}: {@code outcome} is {@code ok}, {@code error} (a JSON-RPC error
   * or a result with {@code isError}), {@code crash}, {@code refused} or {@code cancelled}.
   */
  void toolCall(String server, String tool, String outcome, Duration took) {
    String label = toolLabel(server, tool);
    registry
        .counter("mcp.tool.calls", "server", server, "tool", label, "outcome", outcome)
        .increment();
    Timer.builder("mcp.tool.duration")
        .description("tools/call latency, from the client's request to its answer")
        .tags("server", server, "tool", label)
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  String toolLabel(String server, String tool) {
    Set<String> seen = toolLabels.computeIfAbsent(server, name -> new HashSet<>());
    if (seen.contains(tool)) {
      return tool;
    }
    if (seen.size() < TOOL_LABELS
        && tool != null
        && tool.length() <= 128
        && !tool.equals("other")) {
      seen.add(tool);
      return tool;
    }
    return "other";
  }

  void request(String server) {
    registry.counter("mcp.requests", "server", server).increment();
  }

  void garbage(String server) {
    registry.counter("mcp.stdout.garbage", "server", server).increment();
  }

  /** A remote server's broken SSE stream resumed with Last-Event-ID. */
  void resumed(String server) {
    registry.counter("mcp.remote.streams.resumed", "server", server).increment();
  }

  void stderr(String server) {
    registry.counter("mcp.stderr.lines", "server", server).increment();
  }

  void dropped() {
    dropped.increment();
  }

  /** Makes the meters once the host can count its sessions. */
  interface Factory {
    HostMeters create(Supplier<Number> sessions);
  }

  int running() {
    return running.get();
  }
}
