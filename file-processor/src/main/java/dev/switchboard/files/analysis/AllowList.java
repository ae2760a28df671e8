package dev.switchboard.files.analysis;

import java.util.List;
import java.util.Locale;

/**
 * The media types a file may have to be kept: exact types ({@code application/pdf}) or whole
 * families ({@code image/*}). Matching is exact on purpose: Tika's registry makes {@code
 * text/x-python} a kind of {@code text/plain} and {@code application/json} a kind of {@code
 * text/javascript}, so following the type hierarchy would let scripts in through the text entry.
 */
public record AllowList(List<String> patterns) {

  /** Images, PDF, plain text, CSV/TSV, JSON, audio and video. */
  public static final AllowList DEFAULT =
      new AllowList(
          List.of(
              "image/*",
              "application/pdf",
              "text/plain",
              "text/csv",
              "text/tab-separated-values",
              "application/json",
              "audio/*",
              "video/*"));

  public AllowList {
    patterns = patterns.stream().map(pattern -> pattern.trim().toLowerCase(Locale.ROOT)).toList();
  }

  /**
   * Whether {@code mediaType} (a base type without parameters, e.g. {@code image/png}) is allowed.
   */
  public boolean permits(String mediaType) {
    String type = mediaType.toLowerCase(Locale.ROOT);
    for (String pattern : patterns) {
      if (pattern.endsWith("/*")
          ? type.startsWith(pattern.substring(0, pattern.length() - 1))
          : type.equals(pattern)) {
        return true;
      }
    }
    return false;
  }
}
