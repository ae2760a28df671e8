package dev.switchboard.files.analysis;

import java.awt.image.BufferedImage;

/**
 * Turns an image as stored into the image as it should be seen, by its EXIF orientation (1 to 8):
 * cameras store the sensor's rows and record the rotation instead of applying it. Applied to
 * thumbnails only, which are small.
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
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = stored.getRGB(x, y);
        switch (orientation) {
          case 2 -> seen.setRGB(w - 1 - x, y, rgb);
          case 3 -> seen.setRGB(w - 1 - x, h - 1 - y, rgb);
          case 4 -> seen.setRGB(x, h - 1 - y, rgb);
          case 5 -> seen.setRGB(y, x, rgb);
          case 6 -> seen.setRGB(h - 1 - y, x, rgb);
          case 7 -> seen.setRGB(h - 1 - y, w - 1 - x, rgb);
          default -> seen.setRGB(y, w - 1 - x, rgb);
        }
      }
    }
    return seen;
  }
}
