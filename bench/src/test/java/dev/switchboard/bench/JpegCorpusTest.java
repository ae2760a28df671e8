package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JpegCorpusTest {

  @TempDir Path dir;

  @Test
  void photosAreDeterministicJpegsWithTheirExif() throws Exception {
    JpegCorpus.main(new String[] {dir.resolve("a").toString(), "4", "300", "200"});
    JpegCorpus.main(new String[] {dir.resolve("b").toString(), "4", "300", "200"});

    for (int index = 0; index < 4; index++) {
      Path photo = dir.resolve("a").resolve(JpegCorpus.name(index));
      assertThat(Files.readAllBytes(photo))
          .isEqualTo(Files.readAllBytes(dir.resolve("b").resolve(JpegCorpus.name(index))));
      BufferedImage decoded = ImageIO.read(photo.toFile());
      assertThat(decoded.getWidth()).isEqualTo(300);
      assertThat(decoded.getHeight()).isEqualTo(200);
      Metadata metadata = ImageMetadataReader.readMetadata(photo.toFile());
      ExifIFD0Directory camera = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
      assertThat(camera.getInt(ExifIFD0Directory.TAG_ORIENTATION)).isEqualTo(index == 3 ? 6 : 1);
      assertThat(camera.getString(ExifIFD0Directory.TAG_MAKE)).isEqualTo("Switchboard");
      assertThat(
              metadata
                  .getFirstDirectoryOfType(ExifSubIFDDirectory.class)
                  .getString(ExifSubIFDDirectory.TAG_DATETIME_ORIGINAL))
          .startsWith("2024:05:");
    }
  }

  @Test
  void aDirectoryHoldingTheSameCorpusIsLeftAlone() throws Exception {
    Path corpus = dir.resolve("c");
    JpegCorpus.main(new String[] {corpus.toString(), "2", "100", "80"});
    Path photo = corpus.resolve(JpegCorpus.name(0));
    Files.write(photo, new byte[] {1});

    JpegCorpus.main(new String[] {corpus.toString(), "2", "100", "80"});
    assertThat(Files.size(photo)).isEqualTo(1);
    JpegCorpus.main(new String[] {corpus.toString(), "3", "100", "80"});
    assertThat(Files.size(photo)).isGreaterThan(100);
  }
}
