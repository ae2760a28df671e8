package dev.switchboard.hub.socket;

import dev.switchboard.hub.engine.EnginePacket;
import dev.switchboard.hub.engine.EngineProtocolException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Encodes and decodes Socket.IO v5 packets. A packet with binary values is sent as a
 * BINARY_EVENT/BINARY_ACK whose JSON holds {@code {"_placeholder":true,"num":i}} where each value
 * was, followed by the values as separate binary messages; {@link Decoder} puts them back.
 */
public final class PacketCodec {

  /** At most this many binary attachments per packet. */
  public static final int MAX_ATTACHMENTS = 10;

  private static final Set<String> RESERVED_EVENTS =
      Set.of(
          "connect",
          "connect_error",
          "disconnect",
          "disconnecting",
          "newListener",
          "removeListener");

  private PacketCodec() {}

  /** The packet as Engine.IO messages: its text, then one binary message per attachment. */
  public static List<EnginePacket> encode(SocketPacket packet) {
    List<Buffer> attachments = new ArrayList<>();
    Object data = packet.data() == null ? null : deconstruct(packet.data(), attachments);
    int type = packet.type();
    if (!attachments.isEmpty()) {
      type =
          type == SocketPacket.ACK
              ? SocketPacket.BINARY_ACK
              : type == SocketPacket.EVENT ? SocketPacket.BINARY_EVENT : type;
    }
    StringBuilder text = new StringBuilder().append(type);
    if (!attachments.isEmpty()) {
      text.append(attachments.size()).append('-');
    }
    if (!"/".equals(packet.nsp())) {
      text.append(packet.nsp()).append(',');
    }
    if (packet.id() != null) {
      text.append(packet.id());
    }
    if (data != null) {
      text.append(Json.encode(data));
    }
    List<EnginePacket> messages = new ArrayList<>(1 + attachments.size());
    messages.add(EnginePacket.message(text.toString()));
    attachments.forEach(a -> messages.add(EnginePacket.binary(a)));
    return messages;
  }

  /*
   * The walks below go through the raw lists and maps: JsonArray's and JsonObject's own accessors
   * turn a Buffer into a base64 string, which is right for JSON and wrong for attachments.
   */

  /** Replaces binary values with placeholders, collecting them in order. */
  private static Object deconstruct(Object value, List<Buffer> attachments) {
    if (value instanceof byte[] bytes) {
      return deconstruct(Buffer.buffer(bytes), attachments);
    }
    if (value instanceof Buffer buffer) {
      attachments.add(buffer);
      Map<String, Object> placeholder = new LinkedHashMap<>();
      placeholder.put("_placeholder", true);
      placeholder.put("num", attachments.size() - 1);
      return placeholder;
    }
    List<?> list = asList(value);
    if (list != null) {
      if (!containsBinary(list)) {
        return value;
      }
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(item -> copy.add(deconstruct(item, attachments)));
      return copy;
    }
    Map<String, ?> map = asMap(value);
    if (map != null) {
      if (!containsBinary(map)) {
        return value;
      }
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((key, item) -> copy.put(key, deconstruct(item, attachments)));
      return copy;
    }
    return value;
  }

  static boolean containsBinary(Object value) {
    if (value instanceof Buffer || value instanceof byte[]) {
      return true;
    }
    List<?> list = asList(value);
    if (list != null) {
      for (Object item : list) {
        if (containsBinary(item)) {
          return true;
        }
      }
      return false;
    }
    Map<String, ?> map = asMap(value);
    if (map != null) {
      for (Object item : map.values()) {
        if (containsBinary(item)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<?> asList(Object value) {
    return value instanceof JsonArray array
        ? array.getList()
        : value instanceof List<?> list ? list : null;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> asMap(Object value) {
    return value instanceof JsonObject object
        ? object.getMap()
        : value instanceof Map<?, ?> map ? (Map<String, ?>) map : null;
  }

  /**
   * Decodes the packets of one connection. Stateful: a binary packet's header waits here for its
   * attachments. Anything malformed raises {@link EngineProtocolException}.
   */
  public static final class Decoder {

    private SocketPacket pending;
    private int expected;

    /** The attachments received so far; null while no binary packet is pending (usually). */
    private List<Buffer> attachments;

    /**
     * Decodes a text message; returns the packet, or null when it waits for attachments. A binary
     * packet comes out as a plain EVENT or ACK with its Buffers in place.
     */
    public SocketPacket text(String message) {
      if (pending != null) {
        throw new EngineProtocolException(
            "text packet while waiting for "
                + (expected - (attachments == null ? 0 : attachments.size()))
                + " attachments");
      }
      Header header = parseHeader(message);
      if (header.attachments > 0) {
        pending = header.packet;
        expected = header.attachments;
        return null;
      }
      return header.packet;
    }

    /** Whether a binary packet waits for attachments here. */
    public boolean waiting() {
      return pending != null;
    }

    /** Takes a binary message; returns the completed packet when it was the last attachment. */
    public SocketPacket binary(Buffer data) {
      if (pending == null) {
        throw new EngineProtocolException("unexpected binary message");
      }
      if (attachments == null) {
        attachments = new ArrayList<>(expected);
      }
      attachments.add(data);
      if (attachments.size() < expected) {
        return null;
      }
      int type = pending.type() == SocketPacket.BINARY_ACK ? SocketPacket.ACK : SocketPacket.EVENT;
      SocketPacket done =
          new SocketPacket(
              type, pending.nsp(), pending.id(), reconstruct(pending.data(), attachments));
      pending = null;
      attachments = null;
      return done;
    }

    private static Object reconstruct(Object value, List<Buffer> attachments) {
      Map<String, ?> map = asMap(value);
      if (map != null) {
        if (Boolean.TRUE.equals(map.get("_placeholder")) && map.get("num") instanceof Number num) {
          int index = num.intValue();
          if (index < 0 || index >= attachments.size()) {
            throw new EngineProtocolException("placeholder " + index + " has no attachment");
          }
          return attachments.get(index);
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((key, item) -> copy.put(key, reconstruct(item, attachments)));
        return new JsonObject(copy);
      }
      List<?> list = asList(value);
      if (list != null) {
        List<Object> copy = new ArrayList<>(list.size());
        list.forEach(item -> copy.add(reconstruct(item, attachments)));
        return new JsonArray(copy);
      }
      return value;
    }
  }

  private record Header(SocketPacket packet, int attachments) {}

  static Header parseHeader(String message) {
    if (message.isEmpty()) {
      throw new EngineProtocolException("empty packet");
    }
    int type = message.charAt(0) - '0';
    if (type < SocketPacket.CONNECT || type > SocketPacket.BINARY_ACK) {
      throw new EngineProtocolException("unknown packet type");
    }
    int i = 1;
    int attachments = 0;
    if (type == SocketPacket.BINARY_EVENT || type == SocketPacket.BINARY_ACK) {
      int dash = message.indexOf('-', i);
      if (dash < 0 || dash == i || dash - i > 2 || !digits(message, i, dash)) {
        throw new EngineProtocolException("bad attachment count");
      }
      attachments = Integer.parseInt(message.substring(i, dash));
      if (attachments < 1 || attachments > MAX_ATTACHMENTS) {
        throw new EngineProtocolException("attachment count out of range");
      }
      i = dash + 1;
    }
    String nsp = "/";
    if (i < message.length() && message.charAt(i) == '/') {
      int comma = message.indexOf(',', i);
      int end = comma < 0 ? message.length() : comma;
      nsp = message.substring(i, end);
      i = comma < 0 ? end : comma + 1;
    }
    Long id = null;
    int idStart = i;
    while (i < message.length() && Character.isDigit(message.charAt(i)) && i - idStart < 16) {
      i++;
    }
    if (i > idStart) {
      id = Long.parseLong(message.substring(idStart, i));
    }
    // whatever follows is the JSON payload; an explicit "null" is a payload too (and a wrong one)
    boolean hasPayload = i < message.length();
    Object data = null;
    if (hasPayload) {
      try {
        data = Json.decodeValue(message.substring(i));
      } catch (DecodeException e) {
        throw new EngineProtocolException("payload is not JSON");
      }
    }
    SocketPacket packet = new SocketPacket(type, nsp, id, data);
    validate(packet, hasPayload, attachments);
    return new Header(packet, attachments);
  }

  private static void validate(SocketPacket packet, boolean hasPayload, int attachments) {
    Object data = packet.data();
    boolean valid =
        switch (packet.type()) {
          case SocketPacket.CONNECT -> !hasPayload || data instanceof JsonObject;
          case SocketPacket.DISCONNECT -> !hasPayload;
          case SocketPacket.EVENT, SocketPacket.BINARY_EVENT ->
              data instanceof JsonArray array
                  && !array.isEmpty()
                  && (array.getValue(0) instanceof Number
                      || array.getValue(0) instanceof String name
                          && !RESERVED_EVENTS.contains(name));
          case SocketPacket.ACK, SocketPacket.BINARY_ACK ->
              data instanceof JsonArray && packet.id() != null;
          // the server sends CONNECT_ERROR; a client has no business sending one
          default -> false;
        };
    if (!valid) {
      throw new EngineProtocolException("invalid payload for packet type " + packet.type());
    }
    if (attachments > 0 && !(data instanceof JsonArray)) {
      throw new EngineProtocolException("binary packet without an array payload");
    }
  }

  private static boolean digits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
