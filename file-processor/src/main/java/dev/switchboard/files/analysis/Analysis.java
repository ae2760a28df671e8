package dev.switchboard.files.analysis;

import java.util.List;

/**
 * The outcome of analysing one file.
 *
 * @param status whether the file was analysed, refused for its content, or could not be analysed
 * @param reason why it was refused or failed; null when analysed
 * @param mediaType the type read from the content, or null when the analysis failed before knowing
 *     it
 * @param size in bytes
 * @param sha256 the lower-case hex SHA-256 of the content, or null when refused or failed before
 *     hashing
 * @param details what was read according to the type
 * @param thumbnails for images and PDFs, smallest first; empty otherwise
 */
public record Analysis(
    Status status,
    String reason,
    String mediaType,
    long size,
    String sha256,
    Details details,
    List<Thumbnail> thumbnails) {

  public enum Status {
    ANALYSED,
    REJECTED,
    FAILED
  }

  static Analysis rejected(String reason, String mediaType, long size) {
    return new Analysis(
        Status.REJECTED, reason, mediaType, size, null, new Details.None(), List.of());
  }

  public static Analysis failed(String reason, String mediaType, long size) {
    return new Analysis(
        Status.FAILED, reason, mediaType, size, null, new Details.None(), List.of());
  }
}
