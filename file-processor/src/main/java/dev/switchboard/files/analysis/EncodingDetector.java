package dev.switchboard.files.analysis;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The charset of a text from its first bytes, without ICU: a byte-order mark decides; otherwise the
 * pattern of zero bytes tells UTF-16 without a mark, bytes that all decode strictly as UTF-8 are
 * UTF-8 (US-ASCII when none is above 0x7F), and anything else is taken as windows-1252, the usual
 * single-byte Western charset.
 */
final class EncodingDetector {

  private EncodingDetector() {}

  /**
   * @param head the first bytes of the file
   * @param truncated whether the file goes on past {@code head}, so a multi-byte sequence cut at
   *     its end is not an error
   */
  static String detect(byte[] head, boolean truncated) {
    String marked = byteOrderMark(head);
    if (marked != null) {
      return marked;
    }
    String utf16 = utf16ByZeros(head);
    if (utf16 != null) {
      return utf16;
    }
    if (decodesAsUtf8(head, truncated)) {
      for (byte b : head) {
        if (b < 0) {
          return "UTF-8";
        }
      }
      return "US-ASCII";
    }
    return "windows-1252";
  }

  private static String byteOrderMark(byte[] b) {
    if (b.length >= 4 && b[0] == 0 && b[1] == 0 && (b[2] & 0xFF) == 0xFE && (b[3] & 0xFF) == 0xFF) {
      return "UTF-32BE";
    }
    if (b.length >= 4 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE && b[2] == 0 && b[3] == 0) {
      return "UTF-32LE";
    }
    if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
      return "UTF-8";
    }
    if (b.length >= 2 && (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF) {
      return "UTF-16BE";
    }
    if (b.length >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
      return "UTF-16LE";
    }
    return null;
  }

  /** Latin-script UTF-16 has a zero in nearly every other byte, on the high side of each unit. */
  private static String utf16ByZeros(byte[] b) {
    int pairs = b.length / 2;
    if (pairs < 2) {
      return null;
    }
    int evenZeros = 0;
    int oddZeros = 0;
    for (int i = 0; i + 1 < b.length; i += 2) {
      evenZeros += b[i] == 0 ? 1 : 0;
      oddZeros += b[i + 1] == 0 ? 1 : 0;
    }
    if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) {
      return "UTF-16LE";
    }
    if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) {
      return "UTF-16BE";
    }
    return null;
  }

  private static boolean decodesAsUtf8(byte[] head, boolean truncated) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      if (!truncated) {
        decoder.decode(ByteBuffer.wrap(head));
        return true;
      }
      CharBuffer out = CharBuffer.allocate(head.length);
      CoderResult result = decoder.decode(ByteBuffer.wrap(head), out, false);
      return !result.isError();
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
