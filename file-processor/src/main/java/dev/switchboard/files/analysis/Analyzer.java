package dev.switchboard.files.analysis;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * Analyses one file on disk: its real type, whether it may be kept, its SHA-256, what can be read
 * from it by type, and its thumbnails. Every step runs in the {@link Sandbox}: on the caller's
 * bounded pool, within the step time limit. The order is the safety argument: cheap checks on the
 * first bytes refuse executables and scripts before anything parses the file, archive sizes are
 * read from their directories before any decompression, and an image's pixel count from its header
 * before any decoding.
 *
 * <p>{@link #analyze} never throws: a refusal is {@link Analysis.Status#REJECTED}, anything that
 * went wrong while analysing is {@link Analysis.Status#FAILED}, both with the reason. It blocks
 * while the steps run, so call it from a worker thread, never from an event loop.
 */
public final class Analyzer {

  private final AnalysisLimits limits;
  private final Sandbox sandbox;
  private final TypeDetector detector = new TypeDetector();
  private final ExpansionCheck expansion;
  private final ImageInspector images = new ImageInspector();
  private final PdfInspector pdfs;
  private final TextInspector texts = new TextInspector();
  private final MediaInspector media = new MediaInspector();
  private final Thumbnailer thumbnailer;

  /**
   * @param pool where the steps run; its size bounds how many parsers work at once
   */
  public Analyzer(AnalysisLimits limits, ExecutorService pool) {
    this.limits = limits;
    this.sandbox = new Sandbox(pool, limits.stepTimeLimit());
    this.expansion = new ExpansionCheck(detector.registry(), limits.maxExpansionRatio());
    this.pdfs = new PdfInspector(limits.largestThumbnail(), limits.maxPdfDpi());
    this.thumbnailer = new Thumbnailer(limits.thumbnailSizes());
  }

  /**
   * @param file the content
   * @param declaredName the name the uploader gave, a hint only (it narrows {@code text/plain} to
   *     CSV, it never overrides what the bytes say); may be null
   * @param thumbnailDirectory where this file's thumbnails are written ({@code 128.jpg}, …),
   *     created if needed
   */
  public Analysis analyze(Path file, String declaredName, Path thumbnailDirectory) {
    return analyze(file, declaredName, thumbnailDirectory, step -> {});
  }

  /**
   * As {@link #analyze(Path, String, Path)}, telling {@code progress} the name of each step as it
   * begins ({@code hashing}, {@code image decoding}, {@code thumbnails}, …), for those who watch a
   * long file go through.
   */
  public Analysis analyze(
      Path file, String declaredName, Path thumbnailDirectory, Consumer<String> progress) {
    return analyze(file, declaredName, null, thumbnailDirectory, progress);
  }

  /**
   * As {@link #analyze(Path, String, Path, Consumer)}, for a file whose SHA-256 is already known
   * (an upload is hashed as its bytes arrive): the file is not read whole again to hash it, which
   * for a large video is most of its analysis.
   *
   * @param sha256 the content's SHA-256, lower-case hex, or null to compute it
   */
  public Analysis analyze(
      Path file,
      String declaredName,
      String sha256,
      Path thumbnailDirectory,
      Consumer<String> progress) {
    Steps steps = new Steps(progress);
    long size = -1;
    String mediaType = null;
    try {
      size = steps.run("reading the file", () -> Files.size(file));
      TypeDetector.Detected detected =
          steps.run("type detection", () -> detector.detect(file, declaredName));
      mediaType = detected.mediaType();
      String type = mediaType;
      long stored = size;
      UnsafeContent.check(detected.head(), type);
      steps.run(
          "expansion check",
          () -> {
            expansion.check(file, type, stored);
            return null;
          });
      if (!limits.allowList().permits(type)) {
        throw new Refused(type + " is not an allowed type");
      }
      String hash = sha256 != null ? sha256 : steps.run("hashing", () -> Sha256.of(file));
      return analyseByType(steps, file, type, size, hash, thumbnailDirectory);
    } catch (Refused refused) {
      return Analysis.rejected(refused.getMessage(), mediaType, size);
    } catch (StepFailed failed) {
      return Analysis.failed(failed.getMessage(), mediaType, size);
    }
  }

  private Analysis analyseByType(
      Steps steps, Path file, String type, long size, String sha256, Path thumbnailDirectory)
      throws Refused, StepFailed {
    if (type.startsWith("image/")) {
      return analyseImage(steps, file, type, size, sha256, thumbnailDirectory);
    }
    if (type.equals("application/pdf")) {
      PdfInspector.Read pdf = steps.run("PDF reading", () -> pdfs.read(file));
      List<Thumbnail> thumbnails =
          pdf.firstPage() == null
              ? List.of()
              : steps.run(
                  "thumbnails", () -> thumbnailer.write(pdf.firstPage(), 1, thumbnailDirectory));
      return analysed(type, size, sha256, pdf.details(), thumbnails);
    }
    if (TextInspector.handles(type)) {
      Details.Text text = steps.run("text reading", () -> texts.inspect(file, type));
      return analysed(type, size, sha256, text, List.of());
    }
    if (MediaInspector.handles(type)) {
      // a header no reader here knows (or a damaged one) leaves the fields empty, not the file
      // failed
      Details.Media media;
      try {
        media = steps.run("media header", () -> this.media.read(file, type));
      } catch (StepFailed unread) {
        media = MediaInspector.unread(type);
      }
      return analysed(type, size, sha256, media, List.of());
    }
    return analysed(type, size, sha256, new Details.None(), List.of());
  }

  private Analysis analyseImage(
      Steps steps, Path file, String type, long size, String sha256, Path thumbnailDirectory)
      throws Refused, StepFailed {
    ImageInspector.Dimensions dimensions = steps.run("image header", () -> images.dimensions(file));
    if (dimensions == null) {
      return analysed(type, size, sha256, new Details.None(), List.of());
    }
    if (dimensions.pixels() > limits.maxPixels()) {
      throw new Refused(
          String.format(
              "a %d × %d image (%,d pixels) is over the limit of %,d pixels: not decoded",
              dimensions.width(), dimensions.height(), dimensions.pixels(), limits.maxPixels()));
    }
    Details.Image image = steps.run("image metadata", () -> images.metadata(file, dimensions));
    BufferedImage decoded =
        steps.run("image decoding", () -> images.decode(file, limits.largestThumbnail()));
    List<Thumbnail> thumbnails =
        steps.run(
            "thumbnails",
            () -> thumbnailer.write(decoded, image.orientation(), thumbnailDirectory));
    return analysed(type, size, sha256, image, thumbnails);
  }

  private static Analysis analysed(
      String type, long size, String sha256, Details details, List<Thumbnail> thumbnails) {
    return new Analysis(Analysis.Status.ANALYSED, null, type, size, sha256, details, thumbnails);
  }

  /** The sandbox's steps of one analysis, each announced as it begins. */
  private final class Steps {
    private final Consumer<String> progress;

    Steps(Consumer<String> progress) {
      this.progress = progress;
    }

    <T> T run(String step, Callable<T> work) throws Refused, StepFailed {
      progress.accept(step);
      return sandbox.run(step, work);
    }
  }
}
