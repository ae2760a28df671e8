package dev.switchboard.files.upload;

import dev.switchboard.common.http.ApiException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * A streaming parser of {@code multipart/form-data} bodies (RFC 7578, framing of RFC 2046 § 5.1.1)
 * fed with the request's chunks as they arrive. A part's content is handed on as slices of those
 * chunks, never copied: the delimiter ({@code CRLF--boundary}) is looked for with Boyer-Moore-
 * Horspool, which skips ahead by up to the delimiter's length when a byte cannot be part of it (the
 * Netty decoder that Vert.x uses tests every byte and copies each piece of a part). Only a
 * delimiter split across two chunks is held back, at most its own length, until the next chunk says
 * whether it is one. A part's headers are held whole, at most {@link #MAX_HEADERS} bytes.
 *
 * <p>The preamble before the first delimiter and the epilogue after the closing one are skipped. A
 * form-data part of type {@code multipart/mixed} (RFC 2388's way of sending several files under one
 * name, which Vert.x's WebClient uses) is read as the files it holds, each under that part's name.
 * The boundary is checked against RFC 2046's characters (no CR or LF): so a delimiter can only
 * begin at a CR, and a held-back piece that turns out not to be one is content as a whole.
 *
 * <p>{@link #suspend()} stops the parsing at once, from a listener's call too; what is left of the
 * chunk is kept and parsed on {@link #resume()}. The caller pauses its source while suspended, so
 * at most one chunk is held. Malformed input fails {@link #feed} with a 400 {@link ApiException}
 * naming what is wrong: {@code Content-Type} (the boundary), {@code Content-Disposition} (a part's
 * headers) or the form field whose part is cut short.
 */
final class MultipartParser {

  /** The most bytes a part's headers may take. */
  static final int MAX_HEADERS = 8 * 1024;

  /** What the parser finds, in the order of the body. */
  interface Listener {
    /** A part begins; its content follows in {@link #data} calls. */
    void part(Part part);

    /** A piece of the current part's content, a slice of the chunk being parsed. */
    void data(Buffer bytes);

    /** The current part ended. */
    void partEnd();

    /** The closing delimiter: no part follows (what comes after it is ignored). */
    void end();
  }

  /**
   * A part's headers.
   *
   * @param name the form field's name
   * @param filename the file's name, null for a field that is not a file
   * @param contentType the part's {@code Content-Type}, null when it has none
   */
  record Part(String name, String filename, String contentType) {
    boolean isFile() {
      return filename != null;
    }
  }

  private enum State {
    PREAMBLE,
    // after a delimiter: "--" closes, optional white space and CRLF begin a part
    DELIMITER_END,
    CLOSING_DASH,
    PADDING,
    DELIMITER_LF,
    HEADERS,
    CONTENT,
    EPILOGUE
  }

  private final Listener listener;
  private final String boundary;
  private byte[] delimiter;
  private final int[] shift = new int[256];
  // the longest suffix of the last chunk that begins the delimiter, held back until the next one
  private byte[] held;
  // inside a multipart/mixed part (several files under one name): its field's name, else null
  private String mixedName;
  private int heldLength;
  private final byte[] headers = new byte[MAX_HEADERS];
  private int headersLength;
  private int lineStart;
  private String dispositionLine;
  private String typeLine;
  private Part part;
  private State state = State.PREAMBLE;
  private boolean suspended;
  private boolean parsing;
  // the chunk being parsed: its array, the next index to parse and the end
  private Buffer chunk;
  private byte[] array;
  private int arrayOffset;
  private int at;
  private int end;

  MultipartParser(String boundary, Listener listener) {
    this.listener = listener;
    this.boundary = boundary;
    delimitBy(boundary);
  }

  /**
   * Looks for {@code boundary}'s delimiter from here on, as at the start of a body: its first
   * delimiter has no CRLF before it, so the parser starts as if one had been read.
   */
  private void delimitBy(String boundary) {
    delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
    int m = delimiter.length;
    Arrays.fill(shift, m);
    for (int i = 0; i < m - 1; i++) {
      shift[delimiter[i] & 0xFF] = m - 1 - i;
    }
    held = new byte[m];
    held[0] = '\r';
    held[1] = '\n';
    heldLength = 2;
  }

  /**
   * The boundary of a {@code multipart/form-data} content type.
   *
   * @throws ApiException 400 naming {@code Content-Type} when it has none or an invalid one
   */
  static String boundaryOf(String contentType) {
    String boundary = null;
    for (String parameter : split(contentType).subList(1)) {
      int equals = parameter.indexOf('=');
      if (equals > 0
          && parameter.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("boundary")) {
        boundary = unquote(parameter.substring(equals + 1).trim());
      }
    }
    if (boundary == null || boundary.isEmpty()) {
      throw ApiException.invalid("Content-Type", "multipart/form-data needs a boundary parameter");
    }
    if (boundary.length() > 70 || boundary.endsWith(" ") || !boundaryChars(boundary)) {
      throw ApiException.invalid(
          "Content-Type",
          "the boundary must be 1 to 70 of RFC 2046's characters (letters, digits, '()+_,-./:=? ),"
              + " not ending with a space");
    }
    return boundary;
  }

  /** Parses {@code chunk} as far as it goes, unless suspended; the rest waits for resume. */
  void feed(Buffer chunk) {
    if (at < end || suspended) {
      throw new IllegalStateException("fed while the last chunk is still being parsed");
    }
    parseFrom(chunk);
    parse();
  }

  /** Makes {@code chunk} the one to parse, from its first byte. */
  private void parseFrom(Buffer chunk) {
    this.chunk = chunk;
    ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
    if (bytes.hasArray()) {
      array = bytes.array();
      arrayOffset = bytes.arrayOffset() + bytes.readerIndex();
    } else {
      array = chunk.getBytes();
      arrayOffset = 0;
    }
    at = arrayOffset;
    end = arrayOffset + chunk.length();
  }

  /** Stops parsing until {@link #resume()}, the rest of the chunk kept. */
  void suspend() {
    suspended = true;
  }

  /**
   * Parses what is left of the chunk, unless called from a listener (then the parsing under way
   * goes on once the listener returns).
   */
  void resume() {
    suspended = false;
    if (!parsing) {
      parse();
    }
  }

  boolean suspended() {
    return suspended;
  }

  /**
   * Copies what is left of the chunk, which the parser holds while suspended: the chunk it was fed
   * is the caller's again (its array is used for other bytes).
   */
  void keep() {
    parseFrom(Buffer.buffer(Arrays.copyOfRange(array, at, end)));
  }

  /** Whether part of the last chunk is still to be parsed. */
  boolean holding() {
    return at < end;
  }

  /** Whether the closing delimiter was read. */
  boolean complete() {
    return state == State.EPILOGUE;
  }

  /**
   * The body ended.
   *
   * @throws ApiException 400 when it ended before its closing delimiter
   */
  void finish() {
    if (state == State.EPILOGUE) {
      return;
    }
    if (mixedName != null) {
      throw ApiException.invalid(
          mixedName, "the body ends inside a part, before its closing boundary");
    }
    if (state == State.CONTENT || state == State.HEADERS) {
      throw ApiException.invalid(
          part != null ? part.name() : "Content-Disposition",
          "the body ends inside a part, before the closing boundary");
    }
    throw ApiException.invalid(
        "Content-Type",
        state == State.PREAMBLE
            ? "the body holds no part delimited by the boundary of its Content-Type"
            : "the body ends before its closing boundary");
  }

  private void parse() {
    parsing = true;
    try {
      parseChunk();
    } finally {
      parsing = false;
    }
  }

  private void parseChunk() {
    while (!suspended && at < end) {
      switch (state) {
        case PREAMBLE, CONTENT -> content();
        case DELIMITER_END -> {
          byte b = array[at++];
          if (b == '-') {
            state = State.CLOSING_DASH;
          } else {
            afterDelimiter(b);
          }
        }
        case CLOSING_DASH -> {
          if (array[at++] != '-') {
            throw malformedDelimiter();
          }
          if (mixedName != null) {
            // the end of a multipart/mixed part: what follows, up to the body's next delimiter,
            // is that part's epilogue
            mixedName = null;
            delimitBy(boundary);
            heldLength = 0;
            state = State.PREAMBLE;
          } else {
            state = State.EPILOGUE;
            listener.end();
          }
        }
        case PADDING -> afterDelimiter(array[at++]);
        case DELIMITER_LF -> {
          if (array[at++] != '\n') {
            throw malformedDelimiter();
          }
          state = State.HEADERS;
          headersLength = 0;
          lineStart = 0;
          dispositionLine = null;
          typeLine = null;
        }
        case HEADERS -> headers();
        case EPILOGUE -> at = end;
        default -> throw new IllegalStateException(state.toString());
      }
    }
  }

  private void afterDelimiter(byte b) {
    if (b == ' ' || b == '\t') {
      state = State.PADDING;
    } else if (b == '\r') {
      state = State.DELIMITER_LF;
    } else {
      throw malformedDelimiter();
    }
  }

  private static ApiException malformedDelimiter() {
    return ApiException.invalid(
        "Content-Type", "a boundary line must end with CRLF, or with '--' after the last part");
  }

  /** Content (or preamble) up to the next delimiter; the delimiter itself is consumed. */
  private void content() {
    if (heldLength > 0) {
      // the held bytes begin the delimiter: do this chunk's first bytes complete it?
      int need = delimiter.length - heldLength;
      int compare = Math.min(need, end - at);
      if (Arrays.equals(array, at, at + compare, delimiter, heldLength, heldLength + compare)) {
        if (compare < need) {
          System.arraycopy(array, at, held, heldLength, compare);
          heldLength += compare;
          at = end;
          return;
        }
        at += compare;
        heldLength = 0;
        delimiterFound();
        return;
      }
      // not a delimiter; none can begin later in the held bytes (they hold one CR, the first)
      if (state == State.CONTENT) {
        listener.data(Buffer.buffer(Arrays.copyOf(held, heldLength)));
      }
      heldLength = 0;
      if (suspended) {
        return;
      }
    }
    int found = search(at, end);
    if (found >= 0) {
      emit(at, found);
      at = found + delimiter.length;
      delimiterFound();
      return;
    }
    // the longest suffix that begins the delimiter is held back for the next chunk
    int tail = Math.max(at, end - delimiter.length + 1);
    int keep = end;
    for (int i = tail; i < end; i++) {
      if (array[i] == '\r' && Arrays.equals(array, i, end, delimiter, 0, end - i)) {
        keep = i;
        break;
      }
    }
    System.arraycopy(array, keep, held, 0, end - keep);
    heldLength = end - keep;
    int from = at;
    at = end;
    emit(from, keep);
  }

  private void delimiterFound() {
    if (state == State.CONTENT) {
      part = null;
      state = State.DELIMITER_END;
      listener.partEnd();
    } else {
      state = State.DELIMITER_END;
    }
  }

  private void emit(int from, int to) {
    if (to > from && state == State.CONTENT) {
      listener.data(chunk.slice(from - arrayOffset, to - arrayOffset));
    }
  }

  /**
   * The first index in [from, to) where the whole delimiter begins, or -1: two Horspool scans at
   * once, over the first and the second half of the starts. Each step of one scan waits for a load
   * and a table look-up that depend on the step before, so two independent scans run in about the
   * time of one (an async-profiler profile of a 1 GiB upload: the search's event-loop time per GiB
   * went from 0.12-0.13 s to 0.06 s). A short range is searched with one.
   */
  private int search(int from, int to) {
    byte[] d = delimiter;
    int last = d.length - 1;
    if (to - from < 8 * d.length) {
      return searchOne(from, to);
    }
    int half = from + ((to - from) >>> 1);
    byte[] a = array;
    byte end = d[last];
    int i = from;
    int j = half;
    while (i < half && j + last < to) {
      byte bi = a[i + last];
      byte bj = a[j + last];
      if (bi == end && matchesAt(i)) {
        return i;
      }
      if (bj == end && matchesAt(j)) {
        // the first half's rest may still hold an earlier one
        int earlier = searchOne(i, half + last);
        return earlier >= 0 ? earlier : j;
      }
      i += shift[bi & 0xFF];
      j += shift[bj & 0xFF];
    }
    // one half is searched through: the other's rest (a start before half ends before half + last)
    return i < half ? searchOne(i, half + last) : searchOne(j, to);
  }

  /** {@link #search} with one scan (Horspool). */
  private int searchOne(int from, int to) {
    byte[] d = delimiter;
    int last = d.length - 1;
    int i = from;
    while (i + last < to) {
      byte b = array[i + last];
      if (b == d[last] && matchesAt(i)) {
        return i;
      }
      i += shift[b & 0xFF];
    }
    return -1;
  }

  /** Whether the delimiter begins at {@code i}, its last byte known to match. */
  private boolean matchesAt(int i) {
    byte[] d = delimiter;
    int j = d.length - 2;
    while (j >= 0 && array[i + j] == d[j]) {
      j--;
    }
    return j < 0;
  }

  /** A part's header lines, up to the empty line that ends them. */
  private void headers() {
    while (at < end) {
      if (headersLength == headers.length) {
        throw ApiException.invalid(
            "Content-Disposition", "a part's headers take more than " + MAX_HEADERS + " bytes");
      }
      byte b = array[at++];
      headers[headersLength++] = b;
      if (b == '\n' && headersLength - lineStart >= 2 && headers[headersLength - 2] == '\r') {
        int length = headersLength - 2 - lineStart;
        if (length == 0) {
          beginPart();
          return;
        }
        if (lineStart == 0 && repeatedDelimiter(length)) {
          // "--boundary" again where a part's headers begin: Netty's encoder (Vert.x WebClient)
          // writes one before a multipart/mixed part; its own decoder skips it, and so does this
          headersLength = 0;
          continue;
        }
        headerLine(new String(headers, lineStart, length, StandardCharsets.UTF_8));
        lineStart = headersLength;
      }
    }
  }

  /** Whether the first {@code length} bytes of the headers are "--" and the boundary. */
  private boolean repeatedDelimiter(int length) {
    return length == delimiter.length - 2
        && Arrays.equals(headers, 0, length, delimiter, 2, delimiter.length);
  }

  private void headerLine(String line) {
    int colon = line.indexOf(':');
    if (colon <= 0) {
      throw ApiException.invalid(
          "Content-Disposition", "a part's header line is not 'Name: value': " + clip(line));
    }
    String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    String value = line.substring(colon + 1).trim();
    if (name.equals("content-disposition")) {
      dispositionLine = value;
    } else if (name.equals("content-type")) {
      typeLine = value;
    }
  }

  private void beginPart() {
    if (dispositionLine == null) {
      throw ApiException.invalid(
          "Content-Disposition", "every part needs a Content-Disposition: form-data header");
    }
    Parameters disposition = split(dispositionLine);
    // inside a multipart/mixed part each file is an "attachment" (RFC 2388; Netty's and so Vert.x
    // WebClient's encoder sends several files under one name this way)
    boolean nestedFile =
        mixedName != null
            && (disposition.first().equalsIgnoreCase("attachment")
                || disposition.first().equalsIgnoreCase("file"));
    if (!nestedFile && !disposition.first().equalsIgnoreCase("form-data")) {
      throw ApiException.invalid(
          "Content-Disposition",
          "a part's Content-Disposition must be form-data, not " + clip(disposition.first()));
    }
    String name = null;
    String filename = null;
    for (String parameter : disposition.subList(1)) {
      int equals = parameter.indexOf('=');
      if (equals <= 0) {
        continue;
      }
      String key = parameter.substring(0, equals).trim().toLowerCase(Locale.ROOT);
      String value = unquote(parameter.substring(equals + 1).trim());
      if (key.equals("name")) {
        name = value;
      } else if (key.equals("filename")) {
        filename = value;
      }
    }
    if (mixedName != null) {
      name = mixedName;
    }
    if (name == null) {
      throw ApiException.invalid(
          "Content-Disposition", "a part's Content-Disposition needs a name parameter");
    }
    if (mixedName == null
        && typeLine != null
        && typeLine.toLowerCase(Locale.ROOT).startsWith("multipart/mixed")) {
      // the files of this field are the parts of this part; one level only (RFC 7578 § 4.3)
      mixedName = name;
      delimitBy(boundaryOf(typeLine));
      state = State.PREAMBLE;
      return;
    }
    part = new Part(name, filename, typeLine == null || typeLine.isEmpty() ? null : typeLine);
    state = State.CONTENT;
    listener.part(part);
  }

  private static String clip(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }

  private static boolean boundaryChars(String boundary) {
    for (int i = 0; i < boundary.length(); i++) {
      char c = boundary.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "'()+_,-./:=? ".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A header value's parts split at the semicolons outside quotes. */
  private record Parameters(java.util.List<String> all) {
    String first() {
      return all.get(0).trim();
    }

    java.util.List<String> subList(int from) {
      return all.subList(from, all.size());
    }
  }

  private static Parameters split(String value) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (quoted && c == '\\' && i + 1 < value.length()) {
        current.append(c).append(value.charAt(++i));
      } else if (c == '"') {
        quoted = !quoted;
        current.append(c);
      } else if (c == ';' && !quoted) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return new Parameters(parts);
  }

  /** A token as is, or a quoted string without its quotes and backslash escapes. */
  private static String unquote(String value) {
    if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 1; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c == '\\' && i + 1 < value.length() - 1) {
        c = value.charAt(++i);
      }
      out.append(c);
    }
    return out.toString();
  }
}
