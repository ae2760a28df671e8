package dev.switchboard.common.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Who a credential speaks for, and the one table of what each role may do. Every API route names
 * its action ({@link Access#route}) and so does every hub event; the checks only ever ask {@link
 * #may(Action)}, through {@link Access#refusal}.
 */
public enum Role {
  /** Everything, secret values included. */
  ADMIN(EnumSet.allOf(Action.class)),
  /**
   * Runs what an admin defined: start, stop, restart, deploy, cancel, upload, confirm and reject;
   * no definitions, no tokens, no audit log; env values stay masked.
   */
  OPERATOR(EnumSet.of(Action.READ, Action.OPERATE)),
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

  /** The role of a label ({@code operator}); empty when there is none of that name. */
  public static java.util.Optional<Role> ofLabel(String label) {
    for (Role role : values()) {
      if (role.label().equals(label)) {
        return java.util.Optional.of(role);
      }
    }
    return java.util.Optional.empty();
  }
}
