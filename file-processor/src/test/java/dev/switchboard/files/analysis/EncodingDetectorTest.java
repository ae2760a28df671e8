package dev.switchboard.files.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EncodingDetectorTest {

  @Test
  void byteOrderMarksDecide() {
    assertThat(
            EncodingDetector.detect(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a'}, false))
        .isEqualTo("UTF-8");
    assertThat(EncodingDetector.detect(new byte[] {(byte) 0xFE, (byte) 0xFF, 0, 'a'}, false))
        .isEqualTo("UTF-16BE");
    assertThat(EncodingDetector.detect(new byte[] {(byte) 0xFF, (byte) 0xFE, 'a', 0}, false))
        .isEqualTo("UTF-16LE");
    assertThat(EncodingDetector.detect(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0}, false))
        .isEqualTo("UTF-32LE");
  }

  @Test
  void utf16WithoutAMarkIsToldByItsZeros() {
    assertThat(EncodingDetector.detect("plain words".getBytes(StandardCharsets.UTF_16LE), false))
        .isEqualTo("UTF-16LE");
    assertThat(EncodingDetector.detect("plain words".getBytes(StandardCharsets.UTF_16BE), false))
        .isEqualTo("UTF-16BE");
  }

  @Test
  void utf8AsciiAndSingleByteTextAreTold() {
    assertThat(EncodingDetector.detect("plain".getBytes(StandardCharsets.US_ASCII), false))
        .isEqualTo("US-ASCII");
    assertThat(EncodingDetector.detect("Grüße".getBytes(StandardCharsets.UTF_8), false))
        .isEqualTo("UTF-8");
    assertThat(EncodingDetector.detect("Grüße".getBytes(Charset.forName("windows-1252")), false))
        .isEqualTo("windows-1252");
  }

  @Test
  void aMultiByteCharacterCutAtTheEndOfTheSampleIsStillUtf8() {
    byte[] text = "Grüße".getBytes(StandardCharsets.UTF_8);
    byte[] cut = Arrays.copyOf(text, 3);

    assertThat(EncodingDetector.detect(cut, true)).isEqualTo("UTF-8");
    assertThat(EncodingDetector.detect(cut, false)).isEqualTo("windows-1252");
  }
}
