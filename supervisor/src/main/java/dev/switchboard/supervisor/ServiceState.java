package dev.switchboard.supervisor;

import java.util.Locale;

/**
 * Where a managed service is. {@code failed}: it could not start (missing command, port taken,
 * dependency down) or ended badly with no restart to come; {@code errored}: it kept failing and the
 * supervisor gave up; {@code backoff}: it ended and waits for its next restart.
 */
public enum ServiceState {
  STOPPED,
  STARTING,
  RUNNING,
  UNHEALTHY,
  STOPPING,
  BACKOFF,
  ERRORED,
  FAILED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The word the seed's connection monitor shows for this state, carried as {@code status} beside
   * {@code state} so that its client reads the service JSON unchanged: {@code Connected} (up, and
   * healthy if it is checked), {@code Starting} (on its way up), {@code Error} (ended badly, or up
   * but failing its checks: look at it) or {@code Disconnected} (not up: stopped, stopping, or
   * waiting for its next restart, which will come by itself). docs/supervisor.md has the table.
   */
  public String seedStatus() {
    return switch (this) {
      case RUNNING -> "Connected";
      case STARTING -> "Starting";
      case UNHEALTHY, ERRORED, FAILED -> "Error";
      case STOPPED, STOPPING, BACKOFF -> "Disconnected";
    };
  }

  /** Starting, running or unhealthy: on its way up or there, and no stop under way. */
  public boolean up() {
    return this == STARTING || this == RUNNING || this == UNHEALTHY;
  }

  /** Failed or errored: it ended badly and will not come back by itself. */
  public boolean failed() {
    return this == FAILED || this == ERRORED;
  }

  /** What an operator should look at (logged as a warning): failed, errored or unhealthy. */
  public boolean bad() {
    return failed() || this == UNHEALTHY;
  }

  /** A process exists (or is about to). */
  public boolean active() {
    return this == STARTING || this == RUNNING || this == UNHEALTHY || this == STOPPING;
  }
}
