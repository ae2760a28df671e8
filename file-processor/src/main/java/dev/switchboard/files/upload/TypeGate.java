package dev.switchboard.files.upload;

import dev.switchboard.files.analysis.ContentCheck;
import dev.switchboard.files.analysis.Refused;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * Holds the first {@link ContentCheck#HEAD_BYTES} bytes of an upload as they arrive and checks them
 * as soon as there are enough, so that a refused type ends the upload before the rest is read.
 */
final class TypeGate {

  private final ContentCheck check;
  private final String name;
  private final byte[] head = new byte[ContentCheck.HEAD_BYTES];
  private int held;
  private String type;

  /**
   * @param prefix the upload's bytes already received (a resumed tus upload), at most {@link
   *     ContentCheck#HEAD_BYTES}
   */
  TypeGate(ContentCheck check, String name, byte[] prefix) {
    this.check = check;
    this.name = name;
    System.arraycopy(prefix, 0, head, 0, prefix.length);
    held = prefix.length;
  }

  /** Takes the next bytes; answers the type once it is known, null while more bytes are needed. */
  String feed(Buffer chunk) throws Refused {
    if (type == null) {
      int take = Math.min(chunk.length(), head.length - held);
      chunk.getBytes(0, take, head, held);
      held += take;
      if (held == head.length) {
        type = check.typeOf(head, name);
      }
    }
    return type;
  }

  /** The type, once known. */
  String type() {
    return type;
  }

  /** The content ended: checks it whole when it was shorter than the head. */
  String finish() throws Refused {
    if (type == null) {
      type = check.typeOf(Arrays.copyOf(head, held), name);
    }
    return type;
  }
}
