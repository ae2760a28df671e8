package dev.switchboard.files.analysis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Encoding, line count, CSV columns and JSON validity of a text file, each read as a stream: no
 * step holds more than a buffer (and the first CSV record, itself bounded) in memory.
 */
final class TextInspector {

  /** The bytes the charset is guessed from. */
  private static final int SNIFF_BYTES = 64 * 1024;

  /** A first CSV record longer than this is not a header: its columns are not counted. */
  private static final int MAX_HEADER_CHARS = 1024 * 1024;

  private final JsonFactory json = new JsonFactory();

  Details.Text inspect(Path file, String mediaType) throws IOException {
    byte[] head;
    boolean truncated;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(SNIFF_BYTES);
      truncated = in.read() >= 0;
    }
    String encoding = EncodingDetector.detect(head, truncated);
    Charset charset = Charset.forName(encoding);
    long lines = countLines(file, charset);
    Integer columns = isDelimited(mediaType) ? countColumns(file, charset, mediaType) : null;
    if (!isJson(mediaType)) {
      return new Details.Text(encoding, lines, columns, null, null);
    }
    String jsonError = jsonError(file, charset);
    return new Details.Text(encoding, lines, columns, jsonError == null, jsonError);
  }

  static boolean handles(String mediaType) {
    return mediaType.startsWith("text/") || isJson(mediaType);
  }

  private static boolean isJson(String mediaType) {
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  private static boolean isDelimited(String mediaType) {
    return mediaType.equals("text/csv") || mediaType.equals("text/tab-separated-values");
  }

  private static long countLines(Path file, Charset charset) throws IOException {
    long lines = 0;
    boolean openLine = false;
    boolean afterCarriageReturn = false;
    char[] buffer = new char[16 * 1024];
    try (Reader reader = new InputStreamReader(Files.newInputStream(file), charset)) {
      for (int read = reader.read(buffer); read >= 0; read = reader.read(buffer)) {
        for (int i = 0; i < read; i++) {
          char c = buffer[i];
          if (c == '\n') {
            lines += afterCarriageReturn ? 0 : 1;
            openLine = false;
          } else if (c == '\r') {
            lines++;
            openLine = false;
          } else if (c != '\uFEFF' || openLine || lines > 0) {
            openLine = true;
          }
          afterCarriageReturn = c == '\r';
        }
      }
    }
    return lines + (openLine ? 1 : 0);
  }

  /**
   * The fields of the first record, split on the delimiter that occurs most often outside quotes
   * (comma, semicolon or tab; always tab for TSV).
   */
  private static Integer countColumns(Path file, Charset charset, String mediaType)
      throws IOException {
    int commas = 0;
    int semicolons = 0;
    int tabs = 0;
    boolean quoted = false;
    try (Reader reader =
        new BufferedReader(new InputStreamReader(Files.newInputStream(file), charset))) {
      for (int read = 0, c = reader.read(); c >= 0; c = reader.read(), read++) {
        if (read > MAX_HEADER_CHARS) {
          return null;
        }
        if (c == '"') {
          quoted = !quoted;
        } else if (!quoted && (c == '\n' || c == '\r')) {
          break;
        } else if (!quoted) {
          commas += c == ',' ? 1 : 0;
          semicolons += c == ';' ? 1 : 0;
          tabs += c == '\t' ? 1 : 0;
        }
      }
    }
    if (mediaType.equals("text/tab-separated-values")) {
      return tabs + 1;
    }
    return Math.max(commas, Math.max(semicolons, tabs)) + 1;
  }

  /**
   * Null when the file holds exactly one well-formed JSON value; otherwise where and why it does
   * not.
   */
  private String jsonError(Path file, Charset charset) throws IOException {
    try (JsonParser parser =
        json.createParser(new InputStreamReader(Files.newInputStream(file), charset))) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return "no JSON value";
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        return "more than one JSON value, the second at line "
            + parser.currentLocation().getLineNr();
      }
      return null;
    } catch (JsonProcessingException e) {
      return "line "
          + e.getLocation().getLineNr()
          + ", column "
          + e.getLocation().getColumnNr()
          + ": "
          + e.getOriginalMessage();
    }
  }
}
