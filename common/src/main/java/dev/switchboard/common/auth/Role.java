package dev.switchboard.common.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Who a credential speaks for, and the one table of what each role may do. A new role or action (an
 * operator, say) is a new row or column here; the checks themselves only ever ask {@link
 * #may(Action)}.
 */
public enum Role {
  /** Everything, secret values included. */
  ADMIN(EnumSet.allOf(Action.class)),
  /**
   * Looks but changes nothing: API reads, the hub's namespaces and streams; env values stay masked.
   */
  VIEWER(EnumSet.of(Action.READ)),
  /**
   * The credential of backend jobs: {@code POST /emit} and nothing else, not even a hub namespace.
   */
  EMITTER(EnumSet.of(Action.EMIT));

  private final Set<Action> allowed;

  Role(Set<Action> allowed) {
    this.allowed = allowed;
  }

  public boolean may(Action action) {
    return allowed.contains(action);
  }

  /** Lower case, as messages and clients show it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
