package dev.switchboard.files.analysis;

import java.time.Duration;
import java.util.List;

/**
 * What one analysis may cost.
 *
 * @param stepTimeLimit the longest any single step (detection, hashing, metadata, thumbnails) may
 *     run
 * @param maxPixels the largest image (width × height, from its header) that will be decoded
 * @param maxExpansionRatio the largest expanded-to-stored size ratio an archive or compressed
 *     stream may declare
 * @param thumbnailSizes the long sides of the thumbnails to make, in pixels
 * @param maxPdfDpi the highest resolution a PDF page is rendered at, whatever its page size
 * @param allowList the types that are kept; everything else is refused
 */
public record AnalysisLimits(
    Duration stepTimeLimit,
    long maxPixels,
    double maxExpansionRatio,
    List<Integer> thumbnailSizes,
    int maxPdfDpi,
    AllowList allowList) {

  /**
   * 30 s a step, 100 megapixels, ×100 expansion, thumbnails of 128, 512 and 1024 px, 150 dpi, the
   * default allow-list.
   */
  public static final AnalysisLimits DEFAULT =
      new AnalysisLimits(
          Duration.ofSeconds(30),
          100_000_000L,
          100,
          List.of(128, 512, 1024),
          150,
          AllowList.DEFAULT);

  public AnalysisLimits {
    if (thumbnailSizes.isEmpty() || thumbnailSizes.stream().anyMatch(size -> size < 1)) {
      throw new IllegalArgumentException(
          "thumbnail sizes must be positive and at least one: " + thumbnailSizes);
    }
    thumbnailSizes = thumbnailSizes.stream().sorted().distinct().toList();
  }

  /** The long side of the largest thumbnail: images are decoded no larger than needed for it. */
  public int largestThumbnail() {
    return thumbnailSizes.get(thumbnailSizes.size() - 1);
  }

  public AnalysisLimits withStepTimeLimit(Duration limit) {
    return new AnalysisLimits(
        limit, maxPixels, maxExpansionRatio, thumbnailSizes, maxPdfDpi, allowList);
  }

  public AnalysisLimits withAllowList(AllowList list) {
    return new AnalysisLimits(
        stepTimeLimit, maxPixels, maxExpansionRatio, thumbnailSizes, maxPdfDpi, list);
  }
}
