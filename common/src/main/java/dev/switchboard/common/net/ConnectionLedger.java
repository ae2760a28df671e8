package dev.switchboard.common.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections a process holds, in all and per remote address, checked against its {@link
 * ConnectionLimits} as each is accepted. Thread-safe: connections are accepted on the acceptor
 * thread and end on the event loops that serve them.
 */
final class ConnectionLedger {

  /** Why a connection was refused; the tag of the refusals counter. */
  enum Refusal {
    TOTAL,
    ADDRESS;

    String tag() {
      return name().toLowerCase();
    }
  }

  private final ConnectionLimits limits;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> byAddress = new ConcurrentHashMap<>();

  ConnectionLedger(ConnectionLimits limits) {
    this.limits = limits;
  }

  /** Counts a new connection in, or says why it is refused (then nothing is counted). */
  Refusal admit(InetAddress address) {
    if (open.incrementAndGet() > limits.max()) {
      open.decrementAndGet();
      return Refusal.TOTAL;
    }
    if (byAddress.merge(address, 1, Integer::sum) > limits.perAddress()) {
      release(address);
      return Refusal.ADDRESS;
    }
    return null;
  }

  /** An admitted connection ended. */
  void release(InetAddress address) {
    open.decrementAndGet();
    // the entry goes when its count reaches 0, so that addresses seen once are not kept
    byAddress.computeIfPresent(address, (a, count) -> count == 1 ? null : count - 1);
  }

  int open() {
    return open.get();
  }
}
