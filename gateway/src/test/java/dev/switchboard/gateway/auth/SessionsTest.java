package dev.switchboard.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.Credentials;
import dev.switchboard.common.auth.Role;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionsTest {

  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final Credentials CREDENTIALS =
      Credentials.fromConfig(new JsonObject().put("operatorToken", OPERATOR));

  private final Vertx vertx = Vertx.vertx();
  @TempDir Path dataDir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** JWTs of a minute, sessions of an hour, with the operator token configured and no database. */
  private Sessions sessions(Optional<Path> keyDir) throws java.io.IOException {
    return Sessions.load(
        vertx,
        keyDir,
        Duration.ofMinutes(1),
        Duration.ofHours(1),
        CREDENTIALS,
        Optional.empty(),
        SignedOutSessions.inMemory(vertx, Duration.ofMinutes(1)));
  }

  @Test
  void anIssuedJwtVerifiesAsItsCallerWithItsOrigin() throws Exception {
    Sessions sessions = sessions(Optional.empty());
    Caller caller = new Caller("operator token", Role.OPERATOR);
    Sessions.Grant grant =
        Sessions.Grant.signIn(
            new SessionOrigin.Configured(Role.OPERATOR),
            Instant.ofEpochSecond(Instant.now().getEpochSecond() - 60));
    Sessions.Session issued = sessions.issue(caller, grant);
    Optional<Sessions.Session> verified = sessions.verify(issued.jwt()).await();
    assertThat(verified).isPresent();
    assertThat(verified.get().caller()).isEqualTo(caller);
    assertThat(verified.get().expiresAt()).isEqualTo(issued.expiresAt());
    assertThat(verified.get().grant()).contains(grant);
    assertThat(sessions.grantOf(issued.jwt()).await())
        .as("a refresh keeps the origin, the time of the sign-in and the session")
        .contains(grant);
    Sessions.Grant signIn = sessions.grantOf(OPERATOR).await().orElseThrow();
    assertThat(signIn.origin()).isEqualTo(new SessionOrigin.Configured(Role.OPERATOR));
    assertThat(signIn.id()).as("a sign-in is a new session").isPresent().isNotEqualTo(grant.id());
    assertThat(signIn.id().get()).matches("[A-Za-z0-9_-]{22}");
    assertThat(signIn.sessionTag()).contains("session:" + signIn.id().get());
  }

  /**
   * A sign-out ends the session of the JWT it came with: that JWT and every other of the session
   * are refused and renew nothing; another session, and a token, are not touched.
   */
  @Test
  void aSignedOutSessionsJwtsAreRefusedAndRenewNothing() throws Exception {
    Sessions sessions = sessions(Optional.empty());
    Caller caller = new Caller("operator token", Role.OPERATOR);
    Sessions.Grant grant = sessions.grantOf(OPERATOR).await().orElseThrow();
    String jwt = sessions.issue(caller, grant).jwt();
    String refreshed = sessions.issue(caller, sessions.grantOf(jwt).await().orElseThrow()).jwt();
    String another = sessions.issue(caller, sessions.grantOf(OPERATOR).await().orElseThrow()).jwt();

    assertThat(sessions.signOut(jwt).await()).isTrue();

    assertThat(sessions.verify(jwt).await()).isEmpty();
    assertThat(sessions.verify(refreshed).await()).as("the same session, refreshed").isEmpty();
    assertThat(sessions.grantOf(refreshed).await()).isEmpty();
    assertThat(sessions.verify(another).await()).as("another sign-in").isPresent();
    assertThat(sessions.signOut(OPERATOR).await()).as("a token is no session").isFalse();
    assertThat(sessions.grantOf(OPERATOR).await()).isPresent();
  }

  @Test
  void theSessionsOfANamedTokenWithoutADatabaseAreUnknown() throws Exception {
    Sessions sessions = sessions(Optional.empty());
    Sessions.Session issued =
        sessions.issue(
            new Caller("ci", Role.OPERATOR),
            Sessions.Grant.signIn(
                new SessionOrigin.NamedToken(java.util.UUID.randomUUID(), Optional.empty()),
                Instant.now()));
    assertThat(sessions.verify(issued.jwt()).await()).isEmpty();
  }

  /** A JWT issued before sessions named their origin: good until it expires, not renewed. */
  @Test
  void aJwtWithoutAnOriginIsGoodUntilItExpiresButIsNotRenewed() throws Exception {
    Sessions sessions = sessions(Optional.of(dataDir));
    String old = signedWithTheKey(new JsonObject().put("name", "admin token").put("role", "admin"));
    Optional<Sessions.Session> verified = sessions.verify(old).await();
    assertThat(verified).isPresent();
    assertThat(verified.get().grant()).isEmpty();
    assertThat(sessions.grantOf(old).await()).isEmpty();
  }

  /**
   * A JWT issued before sessions had an id (it names its origin and its sign-in, no session): good
   * until it expires, not renewed, so that a sign-out can end every session renewed from now on,
   * and an upgrade signs nobody out at once.
   */
  @Test
  void aJwtWithoutASessionIdIsGoodUntilItExpiresButIsNotRenewed() throws Exception {
    Sessions sessions = sessions(Optional.of(dataDir));
    String old =
        signedWithTheKey(
            new JsonObject()
                .put("name", "first-start link")
                .put("role", "admin")
                .put(Sessions.ORIGIN_CLAIM, "link")
                .put(Sessions.SIGNED_IN_CLAIM, Instant.now().getEpochSecond()));
    Optional<Sessions.Session> verified = sessions.verify(old).await();
    assertThat(verified).isPresent();
    assertThat(verified.get().origin()).contains(new SessionOrigin.Link());
    assertThat(verified.get().grant().orElseThrow().id()).isEmpty();
    assertThat(sessions.grantOf(old).await()).isEmpty();
  }

  /**
   * A JWT that names its origin but not its sign-in was not made here: refused, rather than taken
   * for one from before origins and spared the origin's check.
   */
  @Test
  void aJwtWithAnOriginButNoSignInIsRefused() throws Exception {
    Sessions sessions = sessions(Optional.of(dataDir));
    String odd =
        signedWithTheKey(
            new JsonObject()
                .put("name", "ci")
                .put("role", "operator")
                .put(Sessions.ORIGIN_CLAIM, "token:" + java.util.UUID.randomUUID()));
    assertThat(sessions.verify(odd).await()).isEmpty();
  }

  /** {@code claims} signed with the key file's key, valid a minute. */
  private String signedWithTheKey(JsonObject claims) throws java.io.IOException {
    String key = Files.readString(dataDir.resolve(Sessions.KEY_FILE)).trim();
    return JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key)))
        .generateToken(
            claims,
            new JWTOptions()
                .setAlgorithm("HS256")
                .setIssuer("switchboard")
                .setExpiresInSeconds(60));
  }
}
