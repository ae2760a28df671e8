package dev.switchboard.hub.socket;

import io.vertx.core.json.JsonArray;

/**
 * One Socket.IO v5 packet: {@code <type>[<attachments>-][<nsp>,][<id>][<json>]}. Binary values
 * (Buffers) sit in {@code data} where they belong; the codec moves them into attachments and back.
 *
 * @param type {@link #CONNECT} ... {@link #BINARY_ACK}
 * @param nsp the namespace, {@code /} by default
 * @param id the acknowledgement id, or null
 * @param data the payload: a JsonObject for CONNECT and CONNECT_ERROR, a JsonArray for events and
 *     acks, or null
 */
public record SocketPacket(int type, String nsp, Long id, Object data) {

  public static final int CONNECT = 0;
  public static final int DISCONNECT = 1;
  public static final int EVENT = 2;
  public static final int ACK = 3;
  public static final int CONNECT_ERROR = 4;
  public static final int BINARY_EVENT = 5;
  public static final int BINARY_ACK = 6;

  public static SocketPacket event(String nsp, JsonArray eventAndArgs, Long id) {
    return new SocketPacket(EVENT, nsp, id, eventAndArgs);
  }

  public JsonArray array() {
    return (JsonArray) data;
  }

  /** An event's name (its first element). */
  public String eventName() {
    Object first = array().getValue(0);
    return first == null ? null : first.toString();
  }
}
