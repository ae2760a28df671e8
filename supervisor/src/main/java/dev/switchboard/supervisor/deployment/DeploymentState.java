package dev.switchboard.supervisor.deployment;

import java.util.Locale;

/**
 * Where a deployment is. {@code failed}: a step failed (the service was not touched) or the
 * deployment could not go on; {@code rolled_back}: the health gate failed and the previous
 * definition was put back, whose restart the reason reports.
 */
public enum DeploymentState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  ROLLED_BACK,
  CANCELLED;

  /** The name in JSON, on the event bus and in the database. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The name in a sentence: "rolled back". */
  String words() {
    return wire().replace('_', ' ');
  }
}
