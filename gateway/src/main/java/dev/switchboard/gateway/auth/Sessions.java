package dev.switchboard.gateway.auth;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.auth.Role;
import dev.switchboard.common.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign-in JWTs (HS256, vertx-auth-jwt): issued for a caller, valid for {@link #lifetime()}, checked
 * by the gateway for every service ({@code auth.verify}). The signing key lives in {@code
 * DATA_DIR/session.key} (generated on first use, mode 0600). {@link #rotate()} writes a new key
 * without a restart; JWTs signed with the previous one stay valid until they expire, no longer.
 *
 * <p>Each JWT names its {@link SessionOrigin} (claim {@value #ORIGIN_CLAIM}), and a session lives
 * no longer than it: a named token's sessions are checked against the token store and end when it
 * is revoked or expires (and never expire after it); a configured token's carry a keyed fingerprint
 * of the token, and end when it is changed. Refreshing keeps the origin, and the time of the
 * sign-in (claim {@value #SIGNED_IN_CLAIM}): a session is not renewed past {@link #maxAge()} after
 * it, whatever it was bought with. Each sign-in is a session of its own, named by a random id
 * (claim {@value #SESSION_CLAIM}) that refreshing keeps too, and {@link #signOut} ends: its JWTs
 * are refused from then on ({@link SignedOutSessions}), so none is renewed either. A JWT from
 * before origins or session ids were recorded is good until it expires, and is not renewed.
 */
public final class Sessions {

  static final String KEY_FILE = "session.key";
  static final String ORIGIN_CLAIM = "org";
  static final String SIGNED_IN_CLAIM = "auth_time";
  static final String SESSION_CLAIM = "sid";

  /** How a session's revocation is named on the event bus: {@code session:<id>}. */
  public static final String SESSION_TAG = "session:";

  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final String ISSUER = "switchboard";
  private static final String ALGORITHM = "HS256";
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * What a session was bought with, when that sign-in was, and the session's id (16 random bytes,
   * URL-safe Base64; empty for a JWT issued before sessions had one): a refresh keeps all three.
   */
  public record Grant(SessionOrigin origin, Instant signedInAt, Optional<String> id) {

    /** The grant of a sign-in now with {@code origin}: a new session, with an id of its own. */
    public static Grant signIn(SessionOrigin origin, Instant at) {
      byte[] id = new byte[16];
      RANDOM.nextBytes(id);
      return new Grant(
          origin, at, Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString(id)));
    }

    /**
     * How the end of this session is named ({@code auth.revoked}'s {@code origin}, beside the
     * origin's own tag); empty for a session without an id.
     */
    public Optional<String> sessionTag() {
      return id.map(value -> SESSION_TAG + value);
    }
  }

  /** A JWT, who it speaks for, until when, and its grant (empty: issued before grants). */
  public record Session(Caller caller, Instant expiresAt, String jwt, Optional<Grant> grant) {
    public Optional<SessionOrigin> origin() {
      return grant.map(Grant::origin);
    }
  }

  /** A signing key and the provider that signs and checks with it. */
  private record Key(byte[] secret, JWTAuth provider) {}

  private final Vertx vertx;
  private final Optional<Path> dataDir;
  private final Duration lifetime;
  private final Duration maxAge;
  private final Credentials credentials;
  private final Optional<TokenStore> store;
  private final SignedOutSessions signedOut;
  private Key current;
  private Key previous;
  private Instant previousUntil = Instant.EPOCH;

  private Sessions(
      Vertx vertx,
      Optional<Path> dataDir,
      Duration lifetime,
      Duration maxAge,
      Credentials credentials,
      Optional<TokenStore> store,
      SignedOutSessions signedOut,
      String key) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.lifetime = lifetime;
    this.maxAge = maxAge;
    this.credentials = credentials;
    this.store = store;
    this.signedOut = signedOut;
    this.current = key(key);
  }

  /**
   * The sessions of {@code dataDir}'s key; with no data directory, a key of this process only (a
   * restart ends every session). A JWT lives {@code lifetime}, and a session is renewed for at most
   * {@code maxAge} after its sign-in. {@code credentials} are the configured tokens and {@code
   * store} the named ones (none without a database) that sessions are bought with; {@code
   * signedOut} the sessions signed out (made with the same {@code lifetime}).
   */
  public static Sessions load(
      Vertx vertx,
      Optional<Path> dataDir,
      Duration lifetime,
      Duration maxAge,
      Credentials credentials,
      Optional<TokenStore> store,
      SignedOutSessions signedOut)
      throws IOException {
    String key =
        dataDir.isPresent()
            ? Tokens.resolve(Optional.empty(), dataDir.get(), KEY_FILE)
            : Tokens.generate();
    return new Sessions(vertx, dataDir, lifetime, maxAge, credentials, store, signedOut, key);
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** How long after its sign-in a session may be renewed, refresh after refresh. */
  public Duration maxAge() {
    return maxAge;
  }

  /**
   * A JWT for {@code caller} under {@code grant}: valid for {@link #lifetime()}, or until a named
   * token's own expiry or the session's {@link #maxAge()}, when one comes first. The grant names
   * its session ({@link Grant#signIn}, or a refreshed JWT's own).
   */
  public Session issue(Caller caller, Grant grant) {
    String id =
        grant.id().orElseThrow(() -> new IllegalArgumentException("a session needs its id"));
    Instant now = Instant.now();
    Instant until = now.plus(lifetime);
    if (grant.origin() instanceof SessionOrigin.NamedToken named
        && named.expiresAt().isPresent()
        && named.expiresAt().get().isBefore(until)) {
      until = named.expiresAt().get();
    }
    Instant end = grant.signedInAt().plus(maxAge);
    if (end.isBefore(until)) {
      until = end;
    }
    // a second at least: vertx-auth-jwt writes no expiry at all for 0
    long seconds = Math.max(1, Duration.between(now, until).toSeconds());
    String jwt =
        current
            .provider()
            .generateToken(
                new JsonObject()
                    .put("name", caller.name())
                    .put("role", caller.role().label())
                    .put(ORIGIN_CLAIM, claim(grant.origin(), caller.role()))
                    .put(SIGNED_IN_CLAIM, grant.signedInAt().getEpochSecond())
                    .put(SESSION_CLAIM, id),
                new JWTOptions()
                    .setAlgorithm(ALGORITHM)
                    .setIssuer(ISSUER)
                    .setSubject(caller.name())
                    .setExpiresInSeconds((int) seconds));
    return new Session(
        caller, Instant.ofEpochSecond(now.getEpochSecond() + seconds), jwt, Optional.of(grant));
  }

  /**
   * Who a JWT speaks for and until when; empty when it is not one of ours, expired, its origin is
   * gone (a named token revoked or expired, a configured token changed) or its session was signed
   * out.
   */
  public Future<Optional<Session>> verify(String jwt) {
    Future<Optional<Session>> signed = check(current, jwt);
    Key before = previous;
    if (before != null && Instant.now().isBefore(previousUntil)) {
      signed =
          signed.compose(
              found -> found.isPresent() ? Future.succeededFuture(found) : check(before, jwt));
    }
    // last, in memory: nothing comes between this answer and a refresh that issues on it
    return signed
        .compose(this::namedTokenStillThere)
        .map(
            found ->
                found.filter(
                    session ->
                        session.grant().flatMap(Grant::id).filter(signedOut::signedOut).isEmpty()));
  }

  /**
   * Signs out the session of {@code token}, when it is a sign-in JWT of a session with an id: its
   * JWTs are refused from now on, here and on every gateway, and every service forgets and ends
   * what it holds of it ({@link SignedOutSessions#signOut}). Answers whether a session was ended; a
   * token (configured or named) is no session, and a JWT from before session ids has none to end.
   */
  public Future<Boolean> signOut(String token) {
    if (token.startsWith(Authenticator.PREFIX) || credentials.roleOf(token).isPresent()) {
      return Future.succeededFuture(false);
    }
    return verify(token)
        .compose(
            session -> {
              Optional<String> id = session.flatMap(Session::grant).flatMap(Grant::id);
              return id.isEmpty()
                  ? Future.succeededFuture(false)
                  : signedOut.signOut(id.get(), Authenticator.key(token)).map(true);
            });
  }

  /**
   * The grant of a session bought with {@code token}: a new session for a sign-in now with a
   * configured or a named token, a JWT's own grant for a JWT (refresh). Empty when a session cannot
   * be bought with it: a named token gone meanwhile, a JWT from before grants or session ids, or
   * one whose session is {@link #maxAge()} old.
   */
  public Future<Optional<Grant>> grantOf(String token) {
    Instant now = Instant.now();
    Optional<Role> configured = credentials.roleOf(token);
    if (configured.isPresent()) {
      return Future.succeededFuture(
          Optional.of(Grant.signIn(new SessionOrigin.Configured(configured.get()), now)));
    }
    if (token.startsWith(Authenticator.PREFIX)) {
      return store
          .map(
              tokens ->
                  tokens
                      .find(Authenticator.key(token))
                      .map(
                          found ->
                              found.map(
                                  f ->
                                      Grant.signIn(
                                          new SessionOrigin.NamedToken(f.id(), f.expiresAt()),
                                          now))))
          .orElseGet(() -> Future.succeededFuture(Optional.empty()));
    }
    return verify(token)
        .map(
            session ->
                session
                    .flatMap(Session::grant)
                    .filter(grant -> grant.id().isPresent())
                    .filter(grant -> grant.signedInAt().plus(maxAge).isAfter(now)));
  }

  /**
   * A new signing key, written to the key file at once; JWTs of the old key stay valid for one more
   * {@link #lifetime()}.
   */
  public Future<Void> rotate() {
    String key = Tokens.generate();
    return vertx
        .executeBlocking(
            () -> {
              if (dataDir.isPresent()) {
                Tokens.replace(dataDir.get(), KEY_FILE, key);
              }
              return null;
            })
        .map(
            written -> {
              previous = current;
              previousUntil = Instant.now().plus(lifetime);
              current = key(key);
              return null;
            });
  }

  /** A named token's session ends with the token, and expires no later than it. */
  private Future<Optional<Session>> namedTokenStillThere(Optional<Session> found) {
    if (found.isEmpty()
        || !(found.get().origin().orElse(null) instanceof SessionOrigin.NamedToken named)) {
      return Future.succeededFuture(found);
    }
    Session session = found.get();
    if (store.isEmpty()) {
      // no database: no named token is known, nor are its sessions
      return Future.succeededFuture(Optional.empty());
    }
    return store
        .get()
        .findById(named.id())
        .map(
            token ->
                token.map(
                    t ->
                        new Session(
                            session.caller(),
                            t.expiresAt()
                                .filter(end -> end.isBefore(session.expiresAt()))
                                .orElse(session.expiresAt()),
                            session.jwt(),
                            session
                                .grant()
                                .map(
                                    grant ->
                                        new Grant(
                                            new SessionOrigin.NamedToken(t.id(), t.expiresAt()),
                                            grant.signedInAt(),
                                            grant.id())))));
  }

  private Future<Optional<Session>> check(Key key, String jwt) {
    return key.provider()
        .authenticate(new TokenCredentials(jwt))
        .map(
            user -> {
              // the verified claims; exp is kept among the user's attributes
              JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
              Long exp =
                  claims.getLong(
                      "exp", user.attributes().getLong("exp", user.principal().getLong("exp")));
              Optional<Role> role = Role.ofLabel(claims.getString("role"));
              if (role.isEmpty() || claims.getString("name") == null || exp == null) {
                return Optional.<Session>empty();
              }
              Optional<Grant> grant = Optional.empty();
              String claim = claims.getString(ORIGIN_CLAIM);
              Long signedIn = claims.getLong(SIGNED_IN_CLAIM);
              if (claim != null) {
                // every JWT that names its origin names its sign-in too; one without is not ours
                Optional<SessionOrigin> origin =
                    signedIn == null ? Optional.empty() : origin(claim, role.get(), key);
                if (origin.isEmpty()) {
                  return Optional.<Session>empty();
                }
                grant =
                    Optional.of(
                        new Grant(
                            origin.get(),
                            Instant.ofEpochSecond(signedIn),
                            Optional.ofNullable(claims.getString(SESSION_CLAIM))));
              }
              return Optional.of(
                  new Session(
                      new Caller(claims.getString("name"), role.get()),
                      Instant.ofEpochSecond(exp),
                      jwt,
                      grant));
            })
        .otherwise(
            err -> {
              LOG.debug("JWT refused: {}", err.toString());
              return Optional.empty();
            });
  }

  /** The claim naming {@code origin}, for a JWT signed with the current key. */
  private String claim(SessionOrigin origin, Role role) {
    if (origin instanceof SessionOrigin.NamedToken named) {
      return SessionOrigin.NamedToken.tag(named.id());
    }
    if (origin instanceof SessionOrigin.Configured configured) {
      return SessionOrigin.Configured.PREFIX
          + credentials
              .fingerprint(configured.role(), current.secret())
              .orElseThrow(
                  () -> new IllegalStateException("no token is configured for the " + role));
    }
    return SessionOrigin.Link.CLAIM;
  }

  /**
   * The origin a verified JWT's claim names, or empty when the claim is not one or the origin is
   * gone: a configured token's fingerprint that no longer matches the token configured now.
   */
  private Optional<SessionOrigin> origin(String claim, Role role, Key key) {
    if (claim.startsWith(SessionOrigin.NamedToken.PREFIX)) {
      try {
        UUID id = UUID.fromString(claim.substring(SessionOrigin.NamedToken.PREFIX.length()));
        return Optional.of(new SessionOrigin.NamedToken(id, Optional.empty()));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    if (claim.startsWith(SessionOrigin.Configured.PREFIX)) {
      byte[] signed =
          claim
              .substring(SessionOrigin.Configured.PREFIX.length())
              .getBytes(StandardCharsets.US_ASCII);
      return credentials
          .fingerprint(role, key.secret())
          .filter(now -> MessageDigest.isEqual(now.getBytes(StandardCharsets.US_ASCII), signed))
          .map(now -> new SessionOrigin.Configured(role));
    }
    return SessionOrigin.Link.CLAIM.equals(claim)
        ? Optional.of(new SessionOrigin.Link())
        : Optional.empty();
  }

  private Key key(String secret) {
    return new Key(
        secret.getBytes(StandardCharsets.UTF_8),
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
                .setJWTOptions(new JWTOptions().setIssuer(ISSUER))));
  }
}
