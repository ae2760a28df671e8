package dev.switchboard.common.auth;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What stays open on a credential after it was checked (a websocket, an event stream) and a
 * revocation can end: kept by what that revocation names ({@link Authenticator#revocationTag}, the
 * {@code origin} of {@link Addresses#AUTH_REVOKED}), and ended when it comes. A configured token,
 * which nothing revokes, has no tag and nothing here. Used on the event loop of the verticle that
 * made it.
 */
public final class Revocations {

  private final Map<String, Set<Runnable>> open = new HashMap<>();
  private final Future<Void> ready;

  private Revocations(Vertx vertx) {
    this.ready =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.AUTH_REVOKED, message -> revoked(message.body().getString("origin")))
            .completion();
  }

  /** A registry that listens for revocations on {@code vertx}'s event bus. */
  public static Revocations listening(Vertx vertx) {
    return new Revocations(vertx);
  }

  /** Completes once the registry listens. */
  public Future<Void> ready() {
    return ready;
  }

  /**
   * Runs {@code end} when {@code tag} is revoked (nothing when the tag is null); answers what
   * forgets it, for when it closes by itself first.
   */
  public Runnable add(String tag, Runnable end) {
    if (tag == null) {
      return () -> {};
    }
    open.computeIfAbsent(tag, key -> new LinkedHashSet<>()).add(end);
    return () -> {
      Set<Runnable> same = open.get(tag);
      if (same != null && same.remove(end) && same.isEmpty()) {
        open.remove(tag);
      }
    };
  }

  /** How many things are kept, of every tag. */
  public int size() {
    return open.values().stream().mapToInt(Set::size).sum();
  }

  void revoked(String tag) {
    Set<Runnable> ended = tag == null ? null : open.remove(tag);
    if (ended != null) {
      new ArrayList<>(ended).forEach(Runnable::run);
    }
  }
}
