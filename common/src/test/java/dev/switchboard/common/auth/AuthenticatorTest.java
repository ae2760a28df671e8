package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import dev.switchboard.common.testing.GatewayStandIn;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who a named token or a sign-in JWT speaks for, as the gateway answers it over the event bus (a
 * stand-in here: the contract is the bus message), kept a while and forgotten when a revocation
 * names it. Made and used on one event loop, as a verticle does.
 */
class AuthenticatorTest {

  private static final String NAMED = "sbt_" + "n".repeat(43);
  private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJvbmUifQ.b25l";
  private static final String REFRESHED = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJvbmUiLCJyIjoxfQ.dHdv";
  private static final String OTHER = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ0d28ifQ.dGhyZWU";
  private static final String ORIGIN = "token:6f1c2d4e-0000-4000-8000-000000000010";

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final AtomicInteger asked = new AtomicInteger();
  private final AtomicBoolean signedOut = new AtomicBoolean();
  private Authenticator authenticator;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /**
   * The gateway's answers: {@link #JWT} and {@link #REFRESHED} are one session ({@code
   * session:one}, bought with the named token {@link #ORIGIN}), unknown once it is signed out;
   * {@link #OTHER} is another session of the same token.
   */
  private void gateway() throws Exception {
    GatewayStandIn.verifying(
        vertx,
        token -> {
          asked.incrementAndGet();
          if (token.equals(OTHER)) {
            return GatewayStandIn.caller("ci", "operator", ORIGIN).put("session", "session:two");
          }
          if (token.equals(NAMED)) {
            return GatewayStandIn.caller("ci", "operator", ORIGIN);
          }
          return signedOut.get()
              ? null
              : GatewayStandIn.caller("ci", "operator", ORIGIN).put("session", "session:one");
        });
    authenticator = on(() -> Future.succeededFuture(new Authenticator(vertx, credentials())));
  }

  private static Credentials credentials() {
    return Credentials.fromConfig(new JsonObject());
  }

  /** Runs {@code call} on the authenticator's event loop and waits for its outcome. */
  private <T> T on(Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(
        v -> call.get().onSuccess(result::complete).onFailure(result::completeExceptionally));
    return result.get(10, TimeUnit.SECONDS);
  }

  /** Waits until the revocation reached the authenticator: nothing is kept for {@code token}. */
  private void awaitForgotten(String token) {
    Eventually.within(Duration.ofSeconds(5))
        .alias(token + " forgotten")
        .until(
            () -> on(() -> Future.succeededFuture(authenticator.revocationTags(token))).isEmpty());
  }

  private Optional<Caller> authenticate(String token) throws Exception {
    return on(() -> authenticator.authenticate(token));
  }

  /**
   * Bug: a sign-out could not reach the JWTs of its session that a service had accepted: an answer
   * was tagged with the origin (the named token) only, so a revocation naming the session left
   * every other JWT of it accepted for up to 30 s.
   */
  @Test
  void aRevocationNamingASessionForgetsEveryJwtOfItAndNoOtherSession() throws Exception {
    gateway();
    assertThat(authenticate(JWT)).isPresent();
    assertThat(authenticate(REFRESHED)).isPresent();
    assertThat(authenticate(OTHER)).isPresent();
    assertThat(authenticate(NAMED)).isPresent();
    int before = asked.get();

    signedOut.set(true);
    GatewayStandIn.revoke(vertx, JWT, "session:one");
    awaitForgotten(REFRESHED);

    assertThat(authenticate(REFRESHED)).as("another JWT of the signed-out session").isEmpty();
    assertThat(authenticate(JWT)).isEmpty();
    assertThat(asked.get()).isEqualTo(before + 2);
    assertThat(authenticate(OTHER)).as("another session of the same token").isPresent();
    assertThat(authenticate(NAMED)).as("the token itself").isPresent();
    assertThat(asked.get()).as("both still answered from the cache").isEqualTo(before + 2);
  }

  /** A revocation naming the token still ends every session bought with it. */
  @Test
  void aRevocationNamingTheOriginForgetsEverySessionOfIt() throws Exception {
    gateway();
    assertThat(authenticate(JWT)).isPresent();
    assertThat(authenticate(OTHER)).isPresent();
    int before = asked.get();
    GatewayStandIn.revoke(vertx, NAMED, ORIGIN);
    awaitForgotten(JWT);
    awaitForgotten(OTHER);
    authenticate(JWT);
    authenticate(OTHER);
    assertThat(asked.get()).as("both asked again").isEqualTo(before + 2);
  }

  /** What a holder of long connections registers under: the origin's tag and the session's. */
  @Test
  void aJwtsRevocationTagsAreItsOriginsAndItsSessions() throws Exception {
    gateway();
    assertThat(authenticator.revocationTags(JWT)).as("not accepted yet").isEmpty();
    authenticate(JWT);
    authenticate(NAMED);
    assertThat(authenticator.revocationTags(JWT)).containsExactly(ORIGIN, "session:one");
    assertThat(authenticator.revocationTags(NAMED)).containsExactly(ORIGIN);
    assertThat(authenticator.revocationTags("some-configured-token")).isEmpty();
  }
}
