package dev.switchboard.mcp;

/** Small helpers for JSON-RPC values. */
final class Json {

  private Json() {}

  /** A request id as a map key: {@code 1} and {@code "1"} are different ids. */
  static String encodeId(Object id) {
    return id instanceof String text ? "s:" + text : "n:" + id;
  }
}
