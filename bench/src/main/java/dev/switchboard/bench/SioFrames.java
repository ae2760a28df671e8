package dev.switchboard.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The few Engine.IO 4 / Socket.IO 5 text frames a websocket-only benchmark client needs.
 *
 * <p>One websocket frame carries one Engine.IO packet: its first character is the Engine.IO type
 * ({@code 0} open, {@code 1} close, {@code 2} ping, {@code 3} pong, {@code 4} message, {@code 6}
 * noop). A message carries a Socket.IO packet {@code <type>[<n>-][<nsp>,][<id>][json]}.
 */
public final class SioFrames {

  public static final char EIO_OPEN = '0';
  public static final char EIO_CLOSE = '1';
  public static final char EIO_PING = '2';
  public static final char EIO_PONG = '3';
  public static final char EIO_MESSAGE = '4';
  public static final char EIO_NOOP = '6';

  public static final int SIO_CONNECT = 0;
  public static final int SIO_DISCONNECT = 1;
  public static final int SIO_EVENT = 2;
  public static final int SIO_ACK = 3;
  public static final int SIO_CONNECT_ERROR = 4;
  public static final int SIO_BINARY_EVENT = 5;
  public static final int SIO_BINARY_ACK = 6;

  /** The pong a client sends for each server ping. */
  public static final String PONG = "3";

  private SioFrames() {}

  /** Query string path of a websocket-only Engine.IO 4 session. */
  public static String websocketUri(String path) {
    String p = path.endsWith("/") ? path : path + "/";
    return p + "?EIO=4&transport=websocket";
  }

  /** {@code /mcp} → {@code "/mcp,"}; the main namespace {@code /} has no prefix. */
  public static String namespacePrefix(String namespace) {
    return namespace == null || namespace.isEmpty() || namespace.equals("/") ? "" : namespace + ",";
  }

  /**
   * The Socket.IO CONNECT packet with an {@code auth} object {@code {"token":...}}, as an Engine.IO
   * message.
   */
  public static String connectFrame(String namespace, String token) {
    JsonObject auth = new JsonObject();
    if (token != null) {
      auth.put("token", token);
    }
    return "40" + namespacePrefix(namespace) + auth.encode();
  }

  /**
   * The exact prefix a server writes for {@code emit(event, data)} on a namespace: {@code
   * 42/mcp,["bench",}.
   */
  public static String eventPrefix(String namespace, String event) {
    String array = new JsonArray().add(event).encode(); // ["bench"]
    return "42" + namespacePrefix(namespace) + array.substring(0, array.length() - 1) + ",";
  }

  /** A parsed Engine.IO frame and, for a message, its Socket.IO packet. */
  public record Packet(
      char eioType, int sioType, int attachments, String namespace, long ackId, String payload) {

    public boolean isMessage() {
      return eioType == EIO_MESSAGE;
    }
  }

  /**
   * Parses one text frame. Engine.IO packets other than messages keep their data in {@code payload}
   * and have {@code sioType} -1.
   *
   * @throws ProtocolException when the frame is not a valid packet
   */
  public static Packet parse(String frame) {
    if (frame == null || frame.isEmpty()) {
      throw new ProtocolException("empty frame");
    }
    char eio = frame.charAt(0);
    if (eio < '0' || eio > '6') {
      throw new ProtocolException("unknown Engine.IO packet type '" + eio + "'");
    }
    if (eio != EIO_MESSAGE) {
      return new Packet(eio, -1, 0, null, -1, frame.substring(1));
    }
    int n = frame.length();
    if (n < 2) {
      throw new ProtocolException("empty Socket.IO packet");
    }
    int type = frame.charAt(1) - '0';
    if (type < 0 || type > 6) {
      throw new ProtocolException("unknown Socket.IO packet type '" + frame.charAt(1) + "'");
    }
    int i = 2;
    int attachments = 0;
    if (type == SIO_BINARY_EVENT || type == SIO_BINARY_ACK) {
      int start = i;
      while (i < n && Character.isDigit(frame.charAt(i))) {
        i++;
      }
      if (i == start || i >= n || frame.charAt(i) != '-') {
        throw new ProtocolException("binary packet without attachment count");
      }
      attachments = Integer.parseInt(frame.substring(start, i));
      i++;
    }
    String namespace = "/";
    if (i < n && frame.charAt(i) == '/') {
      int comma = frame.indexOf(',', i);
      if (comma < 0) {
        namespace = frame.substring(i);
        i = n;
      } else {
        namespace = frame.substring(i, comma);
        i = comma + 1;
      }
    }
    long ackId = -1;
    int idStart = i;
    while (i < n && Character.isDigit(frame.charAt(i))) {
      i++;
    }
    if (i > idStart) {
      if (i - idStart > 15) {
        throw new ProtocolException("ack id too long");
      }
      ackId = Long.parseLong(frame.substring(idStart, i));
    }
    String payload = i < n ? frame.substring(i) : null;
    if (payload != null) {
      char first = payload.charAt(0);
      if (first != '{' && first != '[') {
        throw new ProtocolException("payload is neither an object nor an array");
      }
    }
    return new Packet(eio, type, attachments, namespace, ackId, payload);
  }

  /** A frame that is not valid Engine.IO / Socket.IO. */
  public static final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
      super(message, null, false, false);
    }
  }
}
