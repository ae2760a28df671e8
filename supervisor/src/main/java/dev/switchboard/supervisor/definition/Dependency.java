package dev.switchboard.supervisor.definition;

import java.util.Locale;

/**
 * A service this one needs, and how far it must be up first: {@code started} or {@code healthy}.
 */
public record Dependency(String name, Condition condition) {

  public enum Condition {
    STARTED,
    HEALTHY;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
