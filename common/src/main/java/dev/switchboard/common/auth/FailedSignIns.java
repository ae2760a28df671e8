package dev.switchboard.common.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Failed sign-ins (requests with a token nobody knows) per client address: after {@link #limit} in
 * one {@link #window}, the address is refused until the window ends, before its token is even
 * looked at. At most {@link #MAX_ADDRESSES} addresses are remembered (the oldest window is
 * forgotten first), so many addresses cannot grow it. Used on one event loop.
 */
public final class FailedSignIns {

  static final int MAX_ADDRESSES = 10_000;

  private record Window(Instant start, int failures) {}

  private final int limit;
  private final Duration window;
  private final Supplier<Instant> clock;
  private final Map<String, Window> windows =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
          return size() > MAX_ADDRESSES;
        }
      };

  public FailedSignIns(int limit, Duration window, Supplier<Instant> clock) {
    this.limit = limit;
    this.window = window;
    this.clock = clock;
  }

  /** 60 failures a minute: far too few to guess a token, enough for a script with a stale one. */
  public static FailedSignIns standard() {
    return new FailedSignIns(60, Duration.ofMinutes(1), Instant::now);
  }

  /** Seconds until {@code address} may try again; empty when it may now. */
  public OptionalLong retryAfter(String address) {
    Window current = windows.get(address);
    Instant now = clock.get();
    if (current == null || !current.start().plus(window).isAfter(now)) {
      return OptionalLong.empty();
    }
    if (current.failures() < limit) {
      return OptionalLong.empty();
    }
    long millis = Duration.between(now, current.start().plus(window)).toMillis();
    return OptionalLong.of(Math.max(1, (millis + 999) / 1000));
  }

  /** Notes a failed sign-in from {@code address}. */
  public void failed(String address) {
    Instant now = clock.get();
    Window current = windows.remove(address);
    if (current == null || !current.start().plus(window).isAfter(now)) {
      current = new Window(now, 0);
    }
    windows.put(address, new Window(current.start(), current.failures() + 1));
  }

  int size() {
    return windows.size();
  }
}
