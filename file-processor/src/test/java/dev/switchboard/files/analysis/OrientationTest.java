package dev.switchboard.files.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OrientationTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void everyStoredPixelLandsWhereTheExifOrientationSays(int orientation) {
    int w = 5;
    int h = 3;
    BufferedImage stored = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        stored.setRGB(x, y, (x * 40) << 16 | (y * 80) << 8 | 7);
      }
    }

    BufferedImage seen = Orientation.apply(stored, orientation);

    assertThat(seen.getWidth()).isEqualTo(orientation >= 5 ? h : w);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        // the EXIF definitions, as (column, row) of the seen image
        int[] at =
            switch (orientation) {
              case 1 -> new int[] {x, y};
              case 2 -> new int[] {w - 1 - x, y};
              case 3 -> new int[] {w - 1 - x, h - 1 - y};
              case 4 -> new int[] {x, h - 1 - y};
              case 5 -> new int[] {y, x};
              case 6 -> new int[] {h - 1 - y, x};
              case 7 -> new int[] {h - 1 - y, w - 1 - x};
              default -> new int[] {y, w - 1 - x};
            };
        assertThat(seen.getRGB(at[0], at[1])).as("(%d, %d)", x, y).isEqualTo(stored.getRGB(x, y));
      }
    }
  }
}
