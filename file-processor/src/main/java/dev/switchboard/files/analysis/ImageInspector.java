package dev.switchboard.files.analysis;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import com.drew.metadata.exif.GpsDirectory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Date;
import java.util.Iterator;
import java.util.TimeZone;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads an image in the order that keeps it safe: the dimensions from the header first (ImageIO
 * readers stop there), so the caller can refuse a decompression bomb before any pixel is decoded;
 * then the EXIF metadata (metadata-extractor, which never decodes pixels); then the pixels,
 * subsampled while decoding so the raster is never much larger than the largest thumbnail.
 */
final class ImageInspector {

  /** The dimensions an image declares, as stored. */
  record Dimensions(int width, int height) {
    long pixels() {
      return (long) width * height;
    }
  }

  /**
   * The dimensions from the header, or null when no ImageIO reader knows the format (no thumbnails
   * then).
   */
  Dimensions dimensions(Path file) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = readerFor(in);
      if (reader == null) {
        return null;
      }
      try {
        reader.setInput(in, true, true);
        return new Dimensions(reader.getWidth(0), reader.getHeight(0));
      } finally {
        reader.dispose();
      }
    }
  }

  Details.Image metadata(Path file, Dimensions dimensions)
      throws IOException, ImageProcessingException {
    Metadata metadata = ImageMetadataReader.readMetadata(file.toFile());
    ExifIFD0Directory camera = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
    ExifSubIFDDirectory exif = metadata.getFirstDirectoryOfType(ExifSubIFDDirectory.class);
    GpsDirectory gps = metadata.getFirstDirectoryOfType(GpsDirectory.class);
    Integer orientation =
        camera == null ? null : camera.getInteger(ExifIFD0Directory.TAG_ORIENTATION);
    Date taken = exif == null ? null : exif.getDateOriginal(TimeZone.getTimeZone("UTC"));
    return new Details.Image(
        dimensions.width(),
        dimensions.height(),
        orientation == null || orientation < 1 || orientation > 8 ? 1 : orientation,
        camera == null ? null : trimmed(camera.getString(ExifIFD0Directory.TAG_MAKE)),
        camera == null ? null : trimmed(camera.getString(ExifIFD0Directory.TAG_MODEL)),
        taken == null ? null : taken.toInstant(),
        gps != null && gps.getGeoLocation() != null);
  }

  /**
   * Decodes every n-th pixel of every n-th row, n chosen so the long side stays at least {@code
   * longSide}: a 6000 × 4000 photo for 1024 px thumbnails is decoded as 1200 × 800.
   */
  BufferedImage decode(Path file, int longSide) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = readerFor(in);
      if (reader == null) {
        throw new IOException("no image reader for this format");
      }
      try {
        reader.setInput(in, true, true);
        int step = Math.max(1, Math.max(reader.getWidth(0), reader.getHeight(0)) / longSide);
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(step, step, 0, 0);
        return reader.read(0, param);
      } finally {
        reader.dispose();
      }
    }
  }

  private static ImageReader readerFor(ImageInputStream in) {
    if (in == null) {
      return null;
    }
    Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
    return readers.hasNext() ? readers.next() : null;
  }

  private static String trimmed(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
