package dev.switchboard.gateway.auth;

import dev.switchboard.common.auth.Caller;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign-in JWTs (HS256, vertx-auth-jwt): issued for a caller, valid for {@link #lifetime()}, checked
 * by the gateway for every service ({@code auth.verify}). The signing key lives in {@code
 * DATA_DIR/session.key} (generated on first use, mode 0600). {@link #rotate()} writes a new key
 * without a restart; JWTs signed with the previous one stay valid until they expire, no longer.
 */
public final class Sessions {

  static final String KEY_FILE = "session.key";
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final String ISSUER = "switchboard";
  private static final String ALGORITHM = "HS256";

  /** A JWT, who it speaks for and until when. */
  public record Session(Caller caller, Instant expiresAt, String jwt) {}

  private final Vertx vertx;
  private final Optional<Path> dataDir;
  private final Duration lifetime;
  private JWTAuth current;
  private JWTAuth previous;
  private Instant previousUntil = Instant.EPOCH;

  private Sessions(Vertx vertx, Optional<Path> dataDir, Duration lifetime, String key) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.lifetime = lifetime;
    this.current = provider(key);
  }

  /**
   * The sessions of {@code dataDir}'s key; with no data directory, a key of this process only (a
   * restart ends every session).
   */
  public static Sessions load(Vertx vertx, Optional<Path> dataDir, Duration lifetime)
      throws IOException {
    String key =
        dataDir.isPresent()
            ? Tokens.resolve(Optional.empty(), dataDir.get(), KEY_FILE)
            : Tokens.generate();
    return new Sessions(vertx, dataDir, lifetime, key);
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** A JWT for {@code caller}, valid for {@link #lifetime()}. */
  public Session issue(Caller caller) {
    Instant expiresAt = Instant.now().plus(lifetime);
    String jwt =
        current.generateToken(
            new JsonObject().put("name", caller.name()).put("role", caller.role().label()),
            new JWTOptions()
                .setAlgorithm(ALGORITHM)
                .setIssuer(ISSUER)
                .setSubject(caller.name())
                .setExpiresInSeconds((int) lifetime.toSeconds()));
    return new Session(caller, Instant.ofEpochSecond(expiresAt.getEpochSecond()), jwt);
  }

  /** Who a JWT speaks for; empty when it is not one of ours, or expired. */
  public Future<Optional<Session>> verify(String jwt) {
    Future<Optional<Session>> mine = check(current, jwt);
    JWTAuth before = previous;
    if (before == null || Instant.now().isAfter(previousUntil)) {
      return mine;
    }
    return mine.compose(
        found -> found.isPresent() ? Future.succeededFuture(found) : check(before, jwt));
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
              current = provider(key);
              return null;
            });
  }

  private static Future<Optional<Session>> check(JWTAuth provider, String jwt) {
    return provider
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
              return Optional.of(
                  new Session(
                      new Caller(claims.getString("name"), role.get()),
                      Instant.ofEpochSecond(exp),
                      jwt));
            })
        .otherwise(
            err -> {
              LOG.debug("JWT refused: {}", err.toString());
              return Optional.empty();
            });
  }

  private JWTAuth provider(String key) {
    return JWTAuth.create(
        vertx,
        new JWTAuthOptions()
            .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(key))
            .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
  }
}
