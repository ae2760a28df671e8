package dev.switchboard.files.analysis;

import java.time.Instant;

/**
 * What the analysis read from the file beyond its type, hash and size; which kind depends on the
 * type.
 */
public sealed interface Details {

  /**
   * A type the analyser has no reader for (an audio or video format no header reader here knows is
   * read as {@link Media} with every field null; an image format ImageIO cannot decode; other
   * allowed types).
   */
  record None() implements Details {}

  /**
   * Audio or video, from its header ({@link MediaInspector}); each field null where the header does
   * not say.
   *
   * @param kind {@code audio} or {@code video}, by the detected type
   * @param durationSeconds how long it plays
   * @param width the picture's width in pixels (video)
   * @param height the picture's height in pixels (video)
   * @param sampleRate the sound's samples a second, in Hz
   * @param channels the sound's channels
   * @param codec the video's compression or, without a picture, the sound's encoding
   */
  record Media(
      String kind,
      Double durationSeconds,
      Integer width,
      Integer height,
      Integer sampleRate,
      Integer channels,
      String codec)
      implements Details {}

  /**
   * @param width in pixels, as stored (before EXIF orientation)
   * @param height in pixels, as stored
   * @param orientation the EXIF orientation, 1 (as stored) to 8
   * @param cameraMake EXIF make, or null
   * @param cameraModel EXIF model, or null
   * @param taken EXIF date and time original, read as UTC since EXIF stores no zone; or null
   * @param gpsPresent whether the file carries a GPS position
   */
  record Image(
      int width,
      int height,
      int orientation,
      String cameraMake,
      String cameraModel,
      Instant taken,
      boolean gpsPresent)
      implements Details {}

  /**
   * @param title from the document information, or null; @param author likewise
   */
  record Pdf(int pages, String title, String author) implements Details {}

  /**
   * @param encoding the detected charset name
   * @param lines the number of lines (a last line without a line break counts)
   * @param columns the number of fields in the first record of a CSV or TSV, or null for other text
   * @param jsonValid whether a JSON file holds exactly one well-formed value, or null for other
   *     text
   * @param jsonError where and why a JSON file is not well formed, or null
   */
  record Text(String encoding, long lines, Integer columns, Boolean jsonValid, String jsonError)
      implements Details {}
}
