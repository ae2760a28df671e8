package dev.switchboard.hub.engine;

/** A peer broke the Engine.IO or Socket.IO protocol; the connection it came on is closed. */
public final class EngineProtocolException extends RuntimeException {

  public EngineProtocolException(String message) {
    super(message, null, false, false);
  }
}
