package dev.switchboard.common.auth;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What stays open on a credential after it was checked (a websocket, an event stream) and a
 * revocation can end: kept by what such a revocation names ({@link Authenticator#revocationTags},
 * the {@code origin} of {@link Addresses#AUTH_REVOKED}: a named token, a sign-in JWT's session),
 * and ended when one comes. A configured token, which nothing revokes, has no tag and nothing here.
 * Used on the event loop of the verticle that made it.
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
   * Runs {@code end} when any of {@code tags} is revoked (never, for no tags), once; answers what
   * forgets it under every tag, for when it closes by itself first.
   */
  public Runnable add(List<String> tags, Runnable end) {
    if (tags.isEmpty()) {
      return () -> {};
    }
    Runnable[] forget = new Runnable[1];
    boolean[] ended = {false};
    Runnable once =
        () -> {
          if (!ended[0]) {
            ended[0] = true;
            forget[0].run();
            end.run();
          }
        };
    for (String tag : tags) {
      open.computeIfAbsent(tag, key -> new LinkedHashSet<>()).add(once);
    }
    forget[0] =
        () -> {
          for (String tag : tags) {
            Set<Runnable> same = open.get(tag);
            if (same != null && same.remove(once) && same.isEmpty()) {
              open.remove(tag);
            }
          }
        };
    return forget[0];
  }

  /** How many things are kept (one kept under two tags counts once). */
  public int size() {
    return (int) open.values().stream().flatMap(Set::stream).distinct().count();
  }

  void revoked(String tag) {
    Set<Runnable> ended = tag == null ? null : open.get(tag);
    if (ended != null) {
      new ArrayList<>(ended).forEach(Runnable::run);
    }
  }
}
