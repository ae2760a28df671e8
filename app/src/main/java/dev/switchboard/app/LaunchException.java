package dev.switchboard.app;

/** A start that cannot go on; its message is the one line the user sees. */
final class LaunchException extends RuntimeException {

  LaunchException(String message) {
    super(message, null, false, false);
  }
}
