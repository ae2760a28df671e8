package dev.switchboard.supervisor.process;

/** A process that could not be started, with a reason fit to show the user. */
public final class LaunchFailure extends Exception {

  public LaunchFailure(String reason) {
    super(reason, null, false, false);
  }
}
