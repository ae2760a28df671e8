package dev.switchboard.common;

/** Turns an exception chain into the one message worth showing a person. */
public final class Failures {

  private Failures() {}

  /**
   * The message of the outermost exception that says something of its own: wrappers whose message
   * is missing or only repeats their cause (CompletionException and the like) are looked through.
   */
  public static String describe(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null
        && t.getCause() != t
        && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
  }
}
