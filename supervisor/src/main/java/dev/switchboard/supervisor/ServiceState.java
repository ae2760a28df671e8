package dev.switchboard.supervisor;

import java.util.Locale;

/**
 * Where a managed service is. {@code failed}: it could not start (missing command, port taken,
 * dependency down) or ended badly with no restart to come; {@code errored}: it kept failing and the
 * supervisor gave up; {@code backoff}: it ended and waits for its next restart.
 */
public enum ServiceState {
  STOPPED, STARTING, RUNNING, UNHEALTHY, STOPPING, BACKOFF, ERRORED, FAILED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** A process exists (or is about to). */
  public boolean active() {
    return this == STARTING || this == RUNNING || this == UNHEALTHY || this == STOPPING;
  }
}
