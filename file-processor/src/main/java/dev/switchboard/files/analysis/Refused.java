package dev.switchboard.files.analysis;

/**
 * The file is not accepted, for a reason about its content that the uploader can read: an
 * executable, a script, an archive that would expand too far, a type outside the allow-list, an
 * image too large to decode. Distinct from {@link StepFailed}, which says the analysis itself could
 * not finish.
 */
public final class Refused extends Exception {

  public Refused(String reason) {
    super(reason, null, false, false);
  }
}
