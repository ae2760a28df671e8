package dev.switchboard.common.config;

/**
 * A configuration value that cannot be used; its message is one line fit to show the user as it is.
 */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
