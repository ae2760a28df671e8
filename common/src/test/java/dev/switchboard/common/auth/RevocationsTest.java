package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RevocationsTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aRevocationEndsWhatItNamesAndNothingElse() {
    Revocations revocations = Revocations.listening(vertx);
    revocations.ready().await();
    List<String> ended = new ArrayList<>();
    revocations.add(List.of("token:a"), () -> ended.add("a1"));
    Runnable forgetA2 = revocations.add(List.of("token:a"), () -> ended.add("a2"));
    revocations.add(List.of("token:b"), () -> ended.add("b"));
    revocations.add(List.of(), () -> ended.add("configured"));
    assertThat(revocations.size()).isEqualTo(3);

    forgetA2.run();
    revocations.revoked("token:a");
    assertThat(ended).containsExactly("a1");
    assertThat(revocations.size()).isEqualTo(1);

    revocations.revoked("token:a");
    revocations.revoked(null);
    assertThat(ended).containsExactly("a1");
  }

  /**
   * A sign-in JWT's connection is kept under its named token's tag and its session's: a sign-out
   * (the session's revocation) ends it, once, as the token's revocation would, and another session
   * of the same token stays.
   */
  @Test
  void whatIsKeptUnderTwoTagsEndsOnceByEither() {
    Revocations revocations = Revocations.listening(vertx);
    revocations.ready().await();
    List<String> ended = new ArrayList<>();
    revocations.add(List.of("token:a", "session:one"), () -> ended.add("one"));
    revocations.add(List.of("token:a", "session:two"), () -> ended.add("two"));
    Runnable forgetThree =
        revocations.add(List.of("token:a", "session:three"), () -> ended.add("three"));
    assertThat(revocations.size()).isEqualTo(3);

    revocations.revoked("session:one");
    assertThat(ended).containsExactly("one");
    assertThat(revocations.size()).isEqualTo(2);

    forgetThree.run();
    assertThat(revocations.size()).isEqualTo(1);
    revocations.revoked("token:a");
    assertThat(ended).as("each once").containsExactly("one", "two");
    assertThat(revocations.size()).isZero();
    revocations.revoked("session:two");
    assertThat(ended).containsExactly("one", "two");
  }

  /** Made, filled and revoked on one event loop, as a verticle uses it. */
  @Test
  void itListensOnTheEventBus() throws Exception {
    Context context = vertx.getOrCreateContext();
    List<String> ended = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> listening = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          Revocations revocations = Revocations.listening(vertx);
          revocations.add(List.of("token:c"), () -> ended.add("c"));
          revocations.ready().onComplete(done -> listening.complete(null));
        });
    listening.get(5, TimeUnit.SECONDS);
    vertx
        .eventBus()
        .publish(Addresses.AUTH_REVOKED, new JsonObject().put("key", "x").put("origin", "token:c"));
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(ended).containsExactly("c"));
  }
}
