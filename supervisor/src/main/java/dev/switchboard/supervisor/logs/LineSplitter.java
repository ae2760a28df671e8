package dev.switchboard.supervisor.logs;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns the bytes of one output stream into lines of text. A line keeps at most {@code
 * maxLineBytes} bytes (back to the last whole UTF-8 character); the rest of it is only counted as
 * it passes, never held, and the line ends with a marker that says how much was cut: {@code …
 * [1032192 bytes cut]}. So a line of any length is one row, and memory stays at {@code
 * maxLineBytes} per stream.
 *
 * <p>Text is UTF-8; bytes that are not become U+FFFD, and so does NUL (PostgreSQL text cannot hold
 * it). A trailing CR (CRLF endings) is dropped. Not thread-safe: one reader thread owns it.
 */
final class LineSplitter {

  private final byte[] line;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);

  /** Bytes of the current line kept in {@link #line}. */
  private int length;

  /** Bytes of the current line past {@code maxLineBytes}, counted and let go. */
  private long cut;

  /** The last byte cut: a CR there is the line ending, not text that was lost. */
  private byte lastCut;

  LineSplitter(int maxLineBytes) {
    this.line = new byte[maxLineBytes];
  }

  /** Consumes {@code bytes} and adds every line they complete to {@code lines}. */
  void split(ByteBuffer bytes, List<String> lines) {
    byte[] array = bytes.array();
    int from = bytes.arrayOffset() + bytes.position();
    int limit = bytes.arrayOffset() + bytes.limit();
    while (from < limit) {
      int newline = indexOfNewline(array, from, limit);
      keep(array, from, newline < 0 ? limit : newline);
      if (newline < 0) {
        break;
      }
      lines.add(endLine());
      from = newline + 1;
    }
    bytes.position(bytes.limit());
  }

  /** The last line when the stream ends without a newline, or null when nothing is left. */
  String rest() {
    return length == 0 && cut == 0 ? null : endLine();
  }

  private static int indexOfNewline(byte[] array, int from, int limit) {
    for (int index = from; index < limit; index++) {
      if (array[index] == '\n') {
        return index;
      }
    }
    return -1;
  }

  private void keep(byte[] array, int from, int to) {
    int taken = Math.min(to - from, line.length - length);
    System.arraycopy(array, from, line, length, taken);
    length += taken;
    if (from + taken < to) {
      cut += to - from - taken;
      lastCut = array[to - 1];
    }
  }

  private String endLine() {
    if (cut > 0 && lastCut == '\r') {
      cut--;
    }
    String text;
    if (cut == 0) {
      int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
      text = decode(end);
    } else {
      int whole = wholeCharacters();
      long dropped = cut + length - whole;
      text = decode(whole) + "… [" + dropped + (dropped == 1 ? " byte cut]" : " bytes cut]");
    }
    length = 0;
    cut = 0;
    return text;
  }

  /**
   * How many of the kept bytes end on a character boundary: a character split by the cut goes with
   * the rest.
   */
  private int wholeCharacters() {
    int lead = length - 1;
    while (lead > 0 && lead > length - 4 && (line[lead] & 0xC0) == 0x80) {
      lead--;
    }
    int size =
        (line[lead] & 0xE0) == 0xC0
            ? 2
            : (line[lead] & 0xF0) == 0xE0 ? 3 : (line[lead] & 0xF8) == 0xF0 ? 4 : 1;
    return lead + size > length ? lead : length;
  }

  private String decode(int end) {
    String text;
    try {
      text = decoder.reset().decode(ByteBuffer.wrap(line, 0, end)).toString();
    } catch (CharacterCodingException e) {
      text = new String(line, 0, end, StandardCharsets.UTF_8);
    }
    return text.indexOf('\0') >= 0 ? text.replace('\0', '\uFFFD') : text;
  }
}
