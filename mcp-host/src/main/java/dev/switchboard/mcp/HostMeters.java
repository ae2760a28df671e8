package dev.switchboard.mcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The host's meters: {@code mcp.instances} (running), {@code mcp.sessions}, {@code
 * mcp.instances.started}, {@code mcp.requests{server}}, {@code mcp.stdout.garbage{server}}, {@code
 * mcp.stderr.lines{server}}, {@code mcp.notifications.dropped}.
 */
final class HostMeters {

  private final MeterRegistry registry;
  private final AtomicInteger running = new AtomicInteger();
  private final Counter started;
  private final Counter dropped;

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

  void started() {
    running.incrementAndGet();
    started.increment();
  }

  void ended() {
    running.decrementAndGet();
  }

  void request(String server) {
    registry.counter("mcp.requests", "server", server).increment();
  }

  void garbage(String server) {
    registry.counter("mcp.stdout.garbage", "server", server).increment();
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
