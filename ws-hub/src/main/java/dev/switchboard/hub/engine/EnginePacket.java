package dev.switchboard.hub.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One Engine.IO v4 packet: a type (0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop)
 * and its data, text or binary (binary data is always a message). A packet is immutable and may be
 * sent to many sessions: its encoded forms are computed once and shared, which is what makes a
 * broadcast cost one encoding rather than one per recipient.
 */
public final class EnginePacket {

  public static final char OPEN = '0';
  public static final char CLOSE = '1';
  public static final char PING = '2';
  public static final char PONG = '3';
  public static final char MESSAGE = '4';
  public static final char UPGRADE = '5';
  public static final char NOOP = '6';

  static final EnginePacket CLOSE_PACKET = new EnginePacket(CLOSE, "", null);
  static final EnginePacket PING_PACKET = new EnginePacket(PING, "", null);
  static final EnginePacket NOOP_PACKET = new EnginePacket(NOOP, "", null);

  private final char type;
  private final String text;
  private final Buffer binary;
  private ByteBuf frame;

  private EnginePacket(char type, String text, Buffer binary) {
    this.type = type;
    this.text = text;
    this.binary = binary;
  }

  public static EnginePacket message(String text) {
    return new EnginePacket(MESSAGE, text, null);
  }

  public static EnginePacket binary(Buffer data) {
    return new EnginePacket(MESSAGE, null, data);
  }

  static EnginePacket of(char type, String text) {
    return new EnginePacket(type, text, null);
  }

  public char type() {
    return type;
  }

  public boolean isBinary() {
    return binary != null;
  }

  /** The text after the type character (empty for control packets); null for binary packets. */
  public String text() {
    return text;
  }

  public Buffer binaryData() {
    return binary;
  }

  /**
   * The packet as one whole WebSocket frame, header included: a text frame, or a binary frame for
   * binary data. Server frames are never masked, so these bytes are the same for every recipient: a
   * broadcast writes retained duplicates of this one buffer past the frame encoder instead of a
   * frame object per recipient that the encoder would copy into a new buffer each time.
   *
   * <p>The bytes live in a direct buffer, which the transport writes to the socket as they are (a
   * heap buffer would be copied to a direct one per recipient). It wraps a JDK direct {@link
   * ByteBuffer}, so it is freed by the garbage collector once the packet and every write of it are
   * gone; this packet keeps its own reference, so the count never falls to zero early.
   */
  ByteBuf frame() {
    ByteBuf encoded = frame;
    if (encoded == null) {
      byte[] payload =
          isBinary() ? binary.getBytes() : (type + text).getBytes(StandardCharsets.UTF_8);
      int length = payload.length;
      int header = length < 126 ? 2 : length <= 0xffff ? 4 : 10;
      ByteBuffer bytes = ByteBuffer.allocateDirect(header + length);
      bytes.put((byte) (0x80 | (isBinary() ? 0x2 : 0x1))); // FIN, opcode text or binary
      if (length < 126) {
        bytes.put((byte) length);
      } else if (length <= 0xffff) {
        bytes.put((byte) 126).putShort((short) length);
      } else {
        bytes.put((byte) 127).putLong(length);
      }
      bytes.put(payload).flip();
      encoded = Unpooled.wrappedBuffer(bytes);
      frame = encoded;
    }
    return encoded;
  }

  /** The packet as it appears in an HTTP long-polling payload. */
  String pollingText() {
    return isBinary() ? "b" + Base64.getEncoder().encodeToString(binary.getBytes()) : type + text;
  }

  /** Approximate size on the wire, for outbound-queue accounting. */
  int size() {
    return isBinary() ? binary.length() : text.length() + 1;
  }

  /**
   * Decodes a text packet as it arrives in a WebSocket text frame or one record of a polling
   * payload ({@code b}-prefixed base64 is a binary message).
   *
   * @throws EngineProtocolException when the packet is empty, of an unknown type or bad base64
   */
  static EnginePacket decode(String encoded) {
    if (encoded.isEmpty()) {
      throw new EngineProtocolException("empty packet");
    }
    char type = encoded.charAt(0);
    if (type == 'b') {
      try {
        return binary(Buffer.buffer(Base64.getDecoder().decode(encoded.substring(1))));
      } catch (IllegalArgumentException e) {
        throw new EngineProtocolException("bad base64 in binary packet");
      }
    }
    if (type < OPEN || type > NOOP) {
      throw new EngineProtocolException("unknown packet type '" + type + "'");
    }
    return new EnginePacket(type, encoded.substring(1), null);
  }

  @Override
  public String toString() {
    return isBinary() ? "binary(" + binary.length() + ")" : type + text;
  }
}
