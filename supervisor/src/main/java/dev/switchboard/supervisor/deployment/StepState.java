package dev.switchboard.supervisor.deployment;

import java.util.Locale;

/** Where one step of a deployment is; a step is stored once it runs, so it is never queued. */
public enum StepState {
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  /** The name in JSON, on the event bus and in the database. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
