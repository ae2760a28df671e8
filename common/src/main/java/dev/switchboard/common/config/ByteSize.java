package dev.switchboard.common.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as people write them: {@code 512M}, {@code 2G}, {@code 800KiB}, or plain bytes. Powers of
 * 1024.
 */
public final class ByteSize {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");

  private ByteSize() {}

  /**
   * The size in bytes. Text that is not a size, and a size that does not fit in a {@code long}
   * (which a shift would wrap round to a small one: {@code 17179869185G} is not 1 GiB), is an
   * {@link IllegalArgumentException} saying which.
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "must be a size in bytes, like 536870912, \"512M\" or \"2G\"");
    }
    int shift =
        switch (m.group(2)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    try {
      long count = Long.parseLong(m.group(1));
      if (count > Long.MAX_VALUE >> shift) {
        throw new NumberFormatException();
      }
      return count << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("is too large: at most " + Long.MAX_VALUE + " bytes");
    }
  }
}
