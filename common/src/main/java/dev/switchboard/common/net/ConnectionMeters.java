package dev.switchboard.common.net;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The connection guard's meters: {@code net.connections.open} (held now, all listeners), {@code
 * net.connections.refused{reason}} ({@code total} or {@code address} limit) and {@code
 * net.connections.timeouts} (closed without complete request headers in time).
 */
final class ConnectionMeters {

  private final Counter refusedTotal;
  private final Counter refusedAddress;
  private final Counter timeouts;

  ConnectionMeters(MeterRegistry registry, ConnectionLedger ledger) {
    Gauge.builder("net.connections.open", ledger, ConnectionLedger::open)
        .description("TCP connections held by the process's listeners")
        .register(registry);
    refusedTotal = refused(registry, ConnectionLedger.Refusal.TOTAL);
    refusedAddress = refused(registry, ConnectionLedger.Refusal.ADDRESS);
    timeouts =
        Counter.builder("net.connections.timeouts")
            .description("connections closed for not sending complete request headers in time")
            .register(registry);
  }

  private static Counter refused(MeterRegistry registry, ConnectionLedger.Refusal reason) {
    return Counter.builder("net.connections.refused")
        .tag("reason", reason.tag())
        .description("connections closed at accept, over a connection limit")
        .register(registry);
  }

  void refused(ConnectionLedger.Refusal reason) {
    (reason == ConnectionLedger.Refusal.TOTAL ? refusedTotal : refusedAddress).increment();
  }

  void timedOut() {
    timeouts.increment();
  }
}
