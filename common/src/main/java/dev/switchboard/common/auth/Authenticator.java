package dev.switchboard.common.auth;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Who a bearer token speaks for, in every service that checks one (gateway, file-processor, hub).
 * The configured tokens ({@link Credentials}) are known here; named API tokens ({@value #PREFIX}…)
 * and sign-in JWTs are asked of the gateway over the event bus ({@link Addresses#AUTH_VERIFY}), so
 * it works the same in one JVM and across a cluster. Answers are kept for at most {@link
 * #CACHE_TTL} (and never past the token's own expiry) in a bounded cache keyed by the token's
 * SHA-256, and a revoked token ({@link Addresses#AUTH_REVOKED}) is forgotten at once, with every
 * sign-in JWT bought with it (the gateway names a JWT's origin in its answer, and the revocation
 * names the token's), as is every JWT of a session that was signed out (the answer names the
 * session too, and the sign-out's revocation names it).
 */
public final class Authenticator {

  /** How a named API token starts: {@code sbt_} and 43 characters of URL-safe Base64. */
  public static final String PREFIX = "sbt_";

  static final Duration CACHE_TTL = Duration.ofSeconds(30);
  static final int CACHE_SIZE = 10_000;
  private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(5);

  /**
   * An answer, kept until {@code until}; {@code origin} and {@code session} are what a revocation
   * that ends it names: {@code origin} a named token's, also for the sign-in JWTs bought with it,
   * {@code session} a sign-in JWT's session (null where there is none).
   */
  private record Entry(Optional<Caller> caller, Instant until, String origin, String session) {

    boolean endedBy(String tag) {
      return tag.equals(origin) || tag.equals(session);
    }
  }

  /**
   * The caller of each configured token, made once: every socket and request of such a token keeps
   * this one, rather than a name string of its own (the hub holds one per idle connection).
   */
  private static final Map<Role, Caller> CONFIGURED = new EnumMap<>(Role.class);

  static {
    for (Role role : Role.values()) {
      CONFIGURED.put(role, new Caller(role.label() + " token", role));
    }
  }

  private final Vertx vertx;
  private final Credentials credentials;

  /** Oldest first; used on the event loop of the one verticle that owns this authenticator. */
  private final Map<String, Entry> cache =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  public Authenticator(Vertx vertx, Credentials credentials) {
    this.vertx = vertx;
    this.credentials = credentials;
    vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.AUTH_REVOKED, message -> revoked(message.body()));
  }

  /**
   * Forgets a revoked token, and every JWT the revocation's {@code origin} names: the sessions
   * bought with a named token, or a session signed out.
   */
  private void revoked(JsonObject revocation) {
    cache.remove(revocation.getString("key"));
    String tag = revocation.getString("origin");
    if (tag != null) {
      cache.values().removeIf(entry -> entry.endedBy(tag));
    }
  }

  /**
   * The caller of {@code token}; empty when it is unknown, expired or revoked. Fails with a 503
   * {@link ApiException} when the gateway, which knows the named tokens, does not answer.
   */
  public Future<Optional<Caller>> authenticate(String token) {
    Optional<Role> configured = credentials.roleOf(token);
    if (configured.isPresent()) {
      return Future.succeededFuture(Optional.of(CONFIGURED.get(configured.get())));
    }
    if (!askable(token)) {
      return Future.succeededFuture(Optional.empty());
    }
    String key = key(token);
    Entry entry = cache.get(key);
    Instant now = Instant.now();
    if (entry != null && entry.until().isAfter(now)) {
      return Future.succeededFuture(entry.caller());
    }
    cache.remove(key);
    return Bus.request(
            vertx, Addresses.AUTH_VERIFY, new JsonObject().put("token", token), VERIFY_TIMEOUT)
        .map(
            answer -> {
              Caller caller =
                  new Caller(
                      answer.getString("name"),
                      Role.ofLabel(answer.getString("role")).orElseThrow());
              Instant until = now.plus(CACHE_TTL);
              String expiresAt = answer.getString("expiresAt");
              if (expiresAt != null && Instant.parse(expiresAt).isBefore(until)) {
                until = Instant.parse(expiresAt);
              }
              cache.put(
                  key,
                  new Entry(
                      Optional.of(caller),
                      until,
                      answer.getString("origin"),
                      answer.getString("session")));
              return Optional.of(caller);
            })
        .recover(
            err -> {
              if (err instanceof ApiException api && api.status() == 401) {
                cache.put(key, new Entry(Optional.empty(), now.plus(CACHE_TTL), null, null));
                return Future.succeededFuture(Optional.empty());
              }
              return Future.failedFuture(
                  ApiException.unavailable("cannot check the token now: " + err.getMessage()));
            });
  }

  /**
   * What a revocation ({@link Addresses#AUTH_REVOKED}'s {@code origin}) that ends {@code token}
   * would name, each: a named token's own, or that of the named token a sign-in JWT was bought
   * with, and a sign-in JWT's session, as the gateway answered for it; empty for a configured
   * token, or one not accepted just now. For a holder of long connections, right after {@link
   * #authenticate} accepted the token.
   */
  public List<String> revocationTags(String token) {
    if (!askable(token)) {
      return List.of();
    }
    Entry entry = cache.get(key(token));
    return entry == null
        ? List.of()
        : Stream.of(entry.origin(), entry.session()).filter(tag -> tag != null).toList();
  }

  /** Only a named token or something shaped like a JWT is worth a question to the gateway. */
  private static boolean askable(String token) {
    return token.length() <= 4096
        && (token.startsWith(PREFIX) || token.chars().filter(c -> c == '.').count() == 2);
  }

  /** The SHA-256 of a token, in hex: how tokens are stored, cached and revoked. */
  public static String key(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
