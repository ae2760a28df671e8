package dev.switchboard.files.analysis;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;

/**
 * Page count, title and author of a PDF, and its first page rendered for thumbnails. The page is
 * rendered at the scale that makes its long side the largest thumbnail, capped at a resolution, so
 * neither a poster-sized page nor a stamp-sized one yields a large raster. Decoded streams are
 * cached in a temporary file, not the heap, and embedded images may be subsampled while drawing.
 */
final class PdfInspector {

  /** What the first read of a PDF yields. */
  record Read(Details.Pdf details, BufferedImage firstPage) {}

  private final int longSide;
  private final int maxDpi;

  PdfInspector(int longSide, int maxDpi) {
    this.longSide = longSide;
    this.maxDpi = maxDpi;
  }

  Read read(Path file) throws IOException {
    try (PDDocument document =
        Loader.loadPDF(file.toFile(), IOUtils.createTempFileOnlyStreamCache())) {
      PDDocumentInformation information = document.getDocumentInformation();
      Details.Pdf details =
          new Details.Pdf(
              document.getNumberOfPages(),
              blankToNull(information.getTitle()),
              blankToNull(information.getAuthor()));
      if (document.getNumberOfPages() == 0) {
        return new Read(details, null);
      }
      PDRectangle box = document.getPage(0).getCropBox();
      float pageLongSide = Math.max(box.getWidth(), box.getHeight());
      float scale = Math.min(longSide / Math.max(1f, pageLongSide), maxDpi / 72f);
      PDFRenderer renderer = new PDFRenderer(document);
      renderer.setSubsamplingAllowed(true);
      return new Read(details, renderer.renderImage(0, scale, ImageType.RGB));
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
