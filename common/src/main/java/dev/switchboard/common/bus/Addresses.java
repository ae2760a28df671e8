package dev.switchboard.common.bus;

/**
 * Event-bus addresses, dotted lower case. Streams are published; commands are requests answered
 * with a JSON body or failed with an HTTP-like status code (see {@link Bus}).
 */
public final class Addresses {

  /** Stream: every host sample, as published by system-stats. */
  public static final String STATS_SYSTEM = "stats.system";
  /** Command: the latest sample. */
  public static final String STATS_LATEST = "stats.latest";
  /** Command: {@code {from, to, step}} (ISO instants, step "raw" or a duration) → history points. */
  public static final String STATS_HISTORY = "stats.history";
  /** Command: static host facts (OS, CPU, memory, GPUs, versions). */
  public static final String STATS_INFO = "stats.info";

  private static final String PING_PREFIX = "switchboard.ping.";

  private Addresses() {
  }

  /**
   * Command every service answers when it and what it depends on (its database) are usable; the
   * readiness check of a process pings the services it runs.
   */
  public static String ping(String service) {
    return PING_PREFIX + service;
  }
}
