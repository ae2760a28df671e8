package dev.switchboard.files.analysis;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;

/**
 * Refuses archives and compressed streams that would expand past the allowed ratio, without
 * expanding them: a zip's sizes come from its central directory, a gzip's from its trailer. A
 * compressed format whose expanded size cannot be read without decompressing it is refused as
 * unverifiable.
 */
final class ExpansionCheck {

  private static final MediaType ZIP = MediaType.application("zip");
  private static final Set<String> GZIP = Set.of("application/gzip", "application/x-gzip");
  private static final Set<String> UNVERIFIABLE =
      Set.of(
          "application/x-bzip",
          "application/x-bzip2",
          "application/x-xz",
          "application/zstd",
          "application/x-lzma",
          "application/x-lzip",
          "application/x-lz4",
          "application/x-compress",
          "application/x-7z-compressed",
          "application/x-rar-compressed",
          "application/vnd.rar",
          "application/x-brotli");

  private final MediaTypeRegistry registry;
  private final double maxRatio;

  ExpansionCheck(MediaTypeRegistry registry, double maxRatio) {
    this.registry = registry;
    this.maxRatio = maxRatio;
  }

  void check(Path file, String mediaType, long size) throws Refused, IOException {
    MediaType type = MediaType.parse(mediaType);
    if (type.equals(ZIP) || registry.isSpecializationOf(type, ZIP)) {
      checkRatio(mediaType, zipExpandedSize(file), size);
    } else if (GZIP.contains(mediaType)) {
      checkRatio(mediaType, gzipExpandedSize(file, size), size);
    } else if (UNVERIFIABLE.contains(mediaType)) {
      throw new Refused(
          mediaType + " is refused: its expanded size cannot be known without decompressing it");
    }
  }

  private void checkRatio(String mediaType, long expanded, long stored) throws Refused {
    double ratio = (double) expanded / Math.max(1, stored);
    if (ratio > maxRatio) {
      throw new Refused(
          String.format(
              "%s would expand %d bytes to %d (×%.0f, limit ×%.0f): refused as a decompression bomb",
              mediaType, stored, expanded, ratio, maxRatio));
    }
  }

  /** The sum of the uncompressed sizes the central directory declares; no entry is inflated. */
  private static long zipExpandedSize(Path file) throws Refused, IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      long total = 0;
      for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
        ZipEntry entry = entries.nextElement();
        if (entry.getSize() < 0) {
          throw new Refused(
              "zip entry "
                  + entry.getName()
                  + " declares no size: its expansion cannot be checked");
        }
        total = saturatedAdd(total, entry.getSize());
      }
      return total;
    } catch (ZipException e) {
      throw new Refused("an unreadable zip central directory (" + e.getMessage() + ")");
    }
  }

  /**
   * ISIZE, the last four bytes of a gzip member: the expanded size modulo 2³². A stream that wraps
   * past 4 GiB can understate; the ratio still catches the usual bomb, whose one member stays under
   * it.
   */
  private static long gzipExpandedSize(Path file, long size) throws Refused, IOException {
    if (size < 18) {
      throw new Refused("a gzip stream too short to hold its trailer");
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(size - 4);
      byte[] trailer = new byte[4];
      in.readFully(trailer);
      return (trailer[0] & 0xFFL)
          | (trailer[1] & 0xFFL) << 8
          | (trailer[2] & 0xFFL) << 16
          | (trailer[3] & 0xFFL) << 24;
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
