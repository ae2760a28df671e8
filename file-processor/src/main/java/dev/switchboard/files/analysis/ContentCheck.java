package dev.switchboard.files.analysis;

import java.io.IOException;

/**
 * The refusals an upload can meet before its bytes are kept: from its first bytes only, so that an
 * executable renamed {@code .png} or a script is turned away while it is still arriving. The same
 * checks as {@link Analyzer}'s (executable signatures, scripts, the allow-list); what needs the
 * whole file (expansion ratio, pixel count) stays with the analysis.
 */
public final class ContentCheck {

  /** How many first bytes the check needs; a shorter file is checked whole. */
  public static final int HEAD_BYTES = TypeDetector.HEAD_BYTES;

  private final TypeDetector detector = new TypeDetector();
  private final AllowList allowList;

  public ContentCheck(AllowList allowList) {
    this.allowList = allowList;
  }

  /**
   * The media type of content starting with {@code head}.
   *
   * @param declaredName the uploader's name for the file, a hint only; may be null
   * @throws Refused when the content is executable, a script, or of a type outside the allow-list
   */
  public String typeOf(byte[] head, String declaredName) throws Refused {
    String type;
    try {
      type = detector.detect(head, declaredName);
    } catch (IOException e) {
      throw new IllegalStateException("reading bytes held in memory cannot fail", e);
    }
    UnsafeContent.check(head, type);
    if (!allowList.permits(type)) {
      throw new Refused(type + " is not an allowed type");
    }
    return type;
  }
}
