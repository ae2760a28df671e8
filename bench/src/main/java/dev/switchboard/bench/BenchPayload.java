package dev.switchboard.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The data object of a benchmark event, {@code {"t":<ns>,"s":<seq>,"k":<step>,"p":"xxxx"}}: {@code
 * t} is the intended send time in nanoseconds since the run's clock origin (small enough to survive
 * a JavaScript number), {@code s} a sequence number, {@code k} the step that sent it, {@code p}
 * padding up to the payload size. Encoding is plain string building; decoding scans bytes without
 * allocating, so the receive path stays cheap at a million messages per second.
 */
public final class BenchPayload {

  /** Mutable holder filled by {@link #parse}; one per event loop. */
  public static final class Fields {
    public long t = Long.MIN_VALUE;
    public long s = Long.MIN_VALUE;
    public long k = Long.MIN_VALUE;

    void clear() {
      t = Long.MIN_VALUE;
      s = Long.MIN_VALUE;
      k = Long.MIN_VALUE;
    }

    public boolean complete() {
      return t != Long.MIN_VALUE && s != Long.MIN_VALUE && k != Long.MIN_VALUE;
    }
  }

  private BenchPayload() {}

  /**
   * Appends the data object, padded with {@code x} so that it is {@code targetBytes} long when
   * possible.
   */
  public static StringBuilder appendData(
      StringBuilder sb, long t, long seq, int step, int targetBytes) {
    int start = sb.length();
    sb.append("{\"t\":")
        .append(t)
        .append(",\"s\":")
        .append(seq)
        .append(",\"k\":")
        .append(step)
        .append(",\"p\":\"");
    int used = sb.length() - start + 2; // closing quote and brace
    for (int i = used; i < targetBytes; i++) {
      sb.append('x');
    }
    return sb.append("\"}");
  }

  /**
   * Appends one emit request {@code {"namespace":..,"event":..,"data":{..}}} (room-less: the whole
   * namespace).
   */
  public static StringBuilder appendEmit(
      StringBuilder sb,
      String namespaceJson,
      String eventJson,
      long t,
      long seq,
      int step,
      int targetBytes) {
    sb.append("{\"namespace\":")
        .append(namespaceJson)
        .append(",\"event\":")
        .append(eventJson)
        .append(",\"data\":");
    return appendData(sb, t, seq, step, targetBytes).append('}');
  }

  /** JSON string literal of a value, for {@link #appendEmit}. */
  public static String jsonString(String value) {
    String encoded = new JsonObject().put("v", value).encode(); // {"v":"..."}
    return encoded.substring(5, encoded.length() - 1);
  }

  /**
   * Reads {@code t}, {@code s} and {@code k} from the JSON object starting at {@code from}
   * (whitespace allowed, keys in any order, other members skipped).
   *
   * @return the index just after the object, or -1 when it is not a well-formed object
   */
  public static int parse(Buffer buf, int from, Fields out) {
    return parse(buf.getBytes(), from, buf.length(), out);
  }

  /**
   * As {@link #parse(Buffer, int, Fields)} on the bytes {@code from} (inclusive) to {@code n}
   * (exclusive).
   */
  public static int parse(byte[] buf, int from, int n, Fields out) {
    out.clear();
    int i = skipWs(buf, from, n);
    if (i >= n || buf[i] != '{') {
      return -1;
    }
    i = skipWs(buf, i + 1, n);
    if (i < n && buf[i] == '}') {
      return i + 1;
    }
    while (i < n) {
      if (buf[i] != '"') {
        return -1;
      }
      int keyStart = i + 1;
      int keyEnd = skipString(buf, i, n);
      if (keyEnd < 0) {
        return -1;
      }
      int keyLen = keyEnd - 1 - keyStart;
      byte key = keyLen == 1 ? buf[keyStart] : 0;
      i = skipWs(buf, keyEnd, n);
      if (i >= n || buf[i] != ':') {
        return -1;
      }
      i = skipWs(buf, i + 1, n);
      if (i >= n) {
        return -1;
      }
      byte c = buf[i];
      if ((key == 't' || key == 's' || key == 'k') && (c == '-' || (c >= '0' && c <= '9'))) {
        boolean negative = c == '-';
        int j = negative ? i + 1 : i;
        long value = 0;
        int digits = 0;
        while (j < n) {
          byte d = buf[j];
          if (d < '0' || d > '9') {
            break;
          }
          if (++digits > 18) {
            return -1;
          }
          value = value * 10 + (d - '0');
          j++;
        }
        if (digits == 0) {
          return -1;
        }
        if (j < n) {
          byte d = buf[j];
          if (d == '.' || d == 'e' || d == 'E') {
            return -1; // not an integer: not ours
          }
        }
        value = negative ? -value : value;
        if (key == 't') {
          out.t = value;
        } else if (key == 's') {
          out.s = value;
        } else {
          out.k = value;
        }
        i = j;
      } else {
        i = skipValue(buf, i, n);
        if (i < 0) {
          return -1;
        }
      }
      i = skipWs(buf, i, n);
      if (i >= n) {
        return -1;
      }
      byte sep = buf[i];
      if (sep == '}') {
        return i + 1;
      }
      if (sep != ',') {
        return -1;
      }
      i = skipWs(buf, i + 1, n);
    }
    return -1;
  }

  private static int skipWs(byte[] buf, int i, int n) {
    while (i < n) {
      byte c = buf[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        break;
      }
      i++;
    }
    return i;
  }

  /** {@code i} is on the opening quote; returns the index after the closing quote or -1. */
  private static int skipString(byte[] buf, int i, int n) {
    i++;
    while (i < n) {
      byte c = buf[i];
      if (c == '\\') {
        i += 2;
      } else if (c == '"') {
        return i + 1;
      } else {
        i++;
      }
    }
    return -1;
  }

  /** Skips any JSON value starting at {@code i}; returns the index after it or -1. */
  private static int skipValue(byte[] buf, int i, int n) {
    byte c = buf[i];
    if (c == '"') {
      return skipString(buf, i, n);
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (i < n) {
        byte d = buf[i];
        if (d == '"') {
          i = skipString(buf, i, n);
          if (i < 0) {
            return -1;
          }
          continue;
        }
        if (d == '{' || d == '[') {
          depth++;
        } else if (d == '}' || d == ']') {
          if (--depth == 0) {
            return i + 1;
          }
        }
        i++;
      }
      return -1;
    }
    int start = i;
    while (i < n) {
      byte d = buf[i];
      if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\t' || d == '\n' || d == '\r') {
        break;
      }
      i++;
    }
    return i > start ? i : -1;
  }
}
