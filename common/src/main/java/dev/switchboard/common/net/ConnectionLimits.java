package dev.switchboard.common.net;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * How many TCP connections the process's listeners hold, and how long a new connection may take to
 * send its first request's headers.
 *
 * <p>Unset limits are sized from the open-files limit: {@link #reserve} descriptors are kept back
 * for what must go on working when the public side is full (the database pools, the pipes and log
 * files of managed services, the JVM's own files), the rest is for connections, and one address may
 * hold half of them, so that one client cannot shut out the others.
 *
 * @param max connections held at once by all listeners of the process together
 * @param perAddress connections one remote address may hold at once
 * @param requestTimeout how long a connection may take to send complete request headers after it is
 *     accepted; an idle one, or one that trickles its headers, is closed then
 */
public record ConnectionLimits(int max, int perAddress, Duration requestTimeout) {

  /** The limits when the open-files limit is unknown. */
  static final int FALLBACK_MAX = 4_096;

  /** Descriptors kept back at least, whatever the limit. */
  static final int MIN_RESERVE = 256;

  /** Connections allowed at least, whatever the limit. */
  static final int MIN_MAX = 64;

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  public ConnectionLimits {
    if (max < 1 || perAddress < 1 || requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException(
          "connection limits must be positive: " + max + ", " + perAddress + ", " + requestTimeout);
    }
  }

  /**
   * The {@code connections} section of the configuration ({@code max}, {@code perAddress}, {@code
   * requestTimeout} in milliseconds), with unset limits sized from {@code openFiles}.
   */
  public static ConnectionLimits fromConfig(JsonObject connections, long openFiles) {
    JsonObject section = connections == null ? new JsonObject() : connections;
    int max = section.getInteger("max", defaultMax(openFiles));
    int perAddress = section.getInteger("perAddress", Math.max(1, max / 2));
    Duration requestTimeout =
        Duration.ofMillis(section.getLong("requestTimeout", DEFAULT_REQUEST_TIMEOUT.toMillis()));
    return new ConnectionLimits(max, perAddress, requestTimeout);
  }

  /** The open-files limit less the {@link #reserve}. */
  static int defaultMax(long openFiles) {
    if (openFiles <= 0) {
      return FALLBACK_MAX;
    }
    long available = Math.min(openFiles, Integer.MAX_VALUE) - reserve(openFiles);
    return (int) Math.max(MIN_MAX, available);
  }

  /** A tenth of the open-files limit, at least {@link #MIN_RESERVE}. */
  static long reserve(long openFiles) {
    return Math.max(MIN_RESERVE, openFiles / 10);
  }
}
