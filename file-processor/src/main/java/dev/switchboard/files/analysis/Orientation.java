package dev.switchboard.files.analysis;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;

/**
 * Turns an image as stored into the image as it should be seen, by its EXIF orientation (1 to 8):
 * cameras store the sensor's rows and record the rotation instead of applying it. Applied to
 * thumbnails only, which are small. Each orientation is a mirror or a quarter turn, drawn as one
 * affine transform with nearest-neighbour sampling: every pixel lands exactly on a pixel, and
 * Java2D's native loops copy the rows (a pixel-by-pixel getRGB/setRGB cost as much as scaling).
 */
final class Orientation {

  private Orientation() {}

  static BufferedImage apply(BufferedImage stored, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return stored;
    }
    int w = stored.getWidth();
    int h = stored.getHeight();
    boolean swapsSides = orientation >= 5;
    BufferedImage seen =
        new BufferedImage(swapsSides ? h : w, swapsSides ? w : h, stored.getType());
    Graphics2D graphics = seen.createGraphics();
    try {
      graphics.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
      graphics.drawImage(stored, transform(orientation, w, h), null);
    } finally {
      graphics.dispose();
    }
    return seen;
  }

  /**
   * Where a stored pixel (x, y) of a {@code w} × {@code h} image lands: x' = m00·x + m01·y + m02,
   * y' = m10·x + m11·y + m12.
   */
  private static AffineTransform transform(int orientation, int w, int h) {
    return switch (orientation) {
      case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0); // mirrored left to right
      case 3 -> new AffineTransform(-1, 0, 0, -1, w, h); // half turn
      case 4 -> new AffineTransform(1, 0, 0, -1, 0, h); // mirrored top to bottom
      case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0); // transposed
      case 6 -> new AffineTransform(0, 1, -1, 0, h, 0); // quarter turn clockwise
      case 7 -> new AffineTransform(0, -1, -1, 0, h, w); // transverse
      default -> new AffineTransform(0, -1, 1, 0, 0, w); // quarter turn anticlockwise
    };
  }
}
