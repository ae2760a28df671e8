package dev.switchboard.files.analysis;

/**
 * A step of the analysis threw, hung past its time limit or could not be scheduled: the file ends
 * {@code failed}.
 */
public final class StepFailed extends Exception {

  public StepFailed(String reason, Throwable cause) {
    super(reason, cause);
  }
}
