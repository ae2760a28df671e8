package dev.switchboard.files.http;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code Range: bytes=…} of RFC 9110: {@code first-last}, {@code first-} or {@code -suffix}.
 * Several ranges, or anything this does not read, are answered with the whole file, as the RFC
 * allows.
 */
record ByteRange(long first, long last, boolean unsatisfiable) {

  private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  static Optional<ByteRange> parse(String header, long size) {
    if (header == null) {
      return Optional.empty();
    }
    Matcher m = SINGLE.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return Optional.empty();
    }
    try {
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        if (suffix == 0 || size == 0) {
          return Optional.of(new ByteRange(0, 0, true));
        }
        return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1, false));
      }
      long first = Long.parseLong(m.group(1));
      long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      if (first >= size || last < first) {
        return Optional.of(new ByteRange(0, 0, true));
      }
      return Optional.of(new ByteRange(first, last, false));
    } catch (NumberFormatException tooLong) {
      return Optional.of(new ByteRange(0, 0, true));
    }
  }

  long length() {
    return last - first + 1;
  }

  String contentRange(long size) {
    return "bytes " + first + "-" + last + "/" + size;
  }
}
