package dev.switchboard.files.analysis;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes the thumbnails of one picture, largest first, each scaled from the one before it (halving
 * at most per pass, which keeps bilinear scaling sharp). A picture smaller than a size is kept at
 * its own size, never enlarged. Opaque pictures become JPEG, pictures with transparency PNG.
 */
final class Thumbnailer {

  private static final float JPEG_QUALITY = 0.85f;

  private final List<Integer> sizes;

  Thumbnailer(List<Integer> sizes) {
    this.sizes = sizes;
  }

  List<Thumbnail> write(BufferedImage picture, int orientation, Path directory) throws IOException {
    Files.createDirectories(directory);
    boolean transparent = picture.getColorModel().hasAlpha();
    BufferedImage current = picture;
    List<Thumbnail> written = new ArrayList<>();
    for (int size : sizes.stream().sorted(Comparator.reverseOrder()).toList()) {
      current = fit(current, size, transparent);
      BufferedImage seen = Orientation.apply(current, orientation);
      Path file = directory.resolve(size + (transparent ? ".png" : ".jpg"));
      if (transparent) {
        ImageIO.write(seen, "png", file.toFile());
      } else {
        writeJpeg(seen, file);
      }
      written.add(
          0,
          new Thumbnail(
              size,
              seen.getWidth(),
              seen.getHeight(),
              transparent ? "image/png" : "image/jpeg",
              file));
    }
    return written;
  }

  /**
   * The picture scaled so its long side is at most {@code size}, in a raster JPEG/PNG can take:
   * ARGB for transparency, else BGR bytes, the layout the JPEG reader decodes into and the writer
   * encodes from without converting each pixel (in int RGB, writing a 1024 px thumbnail took about
   * half as long again).
   */
  private static BufferedImage fit(BufferedImage picture, int size, boolean transparent) {
    int type = transparent ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_3BYTE_BGR;
    BufferedImage current = picture;
    int longSide = Math.max(current.getWidth(), current.getHeight());
    do {
      double scale = Math.max(0.5, Math.min(1.0, (double) size / longSide));
      int width = Math.max(1, (int) Math.round(current.getWidth() * scale));
      int height = Math.max(1, (int) Math.round(current.getHeight() * scale));
      current = draw(current, width, height, type);
      longSide = Math.max(width, height);
    } while (longSide > size);
    return current;
  }

  private static BufferedImage draw(BufferedImage source, int width, int height, int type) {
    BufferedImage target = new BufferedImage(width, height, type);
    Graphics2D graphics = target.createGraphics();
    try {
      graphics.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      graphics.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      graphics.drawImage(source, 0, 0, width, height, null);
    } finally {
      graphics.dispose();
    }
    return target;
  }

  private static void writeJpeg(BufferedImage image, Path file) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionQuality(JPEG_QUALITY);
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
  }
}
