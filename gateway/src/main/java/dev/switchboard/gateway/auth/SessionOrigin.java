package dev.switchboard.gateway.auth;

import dev.switchboard.common.auth.Role;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What a sign-in JWT was bought with. A session lives no longer than its origin: a named token's
 * end when it is revoked or expires, a configured token's when that token is changed. Refreshing a
 * JWT keeps its origin, so a session cannot outlive the credential by being renewed.
 */
public sealed interface SessionOrigin {

  /**
   * How the revocation of this origin is named on the event bus ({@code auth.revoked}'s {@code
   * origin}), so that every service forgets the sessions bought with it; empty when nothing revokes
   * it.
   */
  default Optional<String> revocationTag() {
    return Optional.empty();
  }

  /** A named API token; {@code expiresAt} is the token's own expiry. */
  record NamedToken(UUID id, Optional<Instant> expiresAt) implements SessionOrigin {

    static final String PREFIX = "token:";

    @Override
    public Optional<String> revocationTag() {
      return Optional.of(tag(id));
    }

    /** The revocation tag of the sessions of the named token {@code id}. */
    public static String tag(UUID id) {
      return PREFIX + id;
    }
  }

  /** The token configured for {@code role} ({@code ADMIN_TOKEN}, ...), as it is configured now. */
  record Configured(Role role) implements SessionOrigin {

    static final String PREFIX = "configured:";
  }

  /** The first-start link's one-time code. */
  record Link() implements SessionOrigin {

    static final String CLAIM = "link";
  }
}
