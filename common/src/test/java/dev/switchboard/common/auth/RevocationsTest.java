package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
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
    revocations.add("token:a", () -> ended.add("a1"));
    Runnable forgetA2 = revocations.add("token:a", () -> ended.add("a2"));
    revocations.add("token:b", () -> ended.add("b"));
    revocations.add(null, () -> ended.add("configured"));
    assertThat(revocations.size()).isEqualTo(3);

    forgetA2.run();
    revocations.revoked("token:a");
    assertThat(ended).containsExactly("a1");
    assertThat(revocations.size()).isEqualTo(1);

    revocations.revoked("token:a");
    revocations.revoked(null);
    assertThat(ended).containsExactly("a1");
  }

  @Test
  void itListensOnTheEventBus() {
    Revocations revocations = Revocations.listening(vertx);
    revocations.ready().await();
    List<String> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.getOrCreateContext().runOnContext(v -> revocations.add("token:c", () -> ended.add("c")));
    dev.switchboard.common.testing.Eventually.within(java.time.Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(revocations.size()).isEqualTo(1));
    vertx
        .eventBus()
        .publish(Addresses.AUTH_REVOKED, new JsonObject().put("key", "x").put("origin", "token:c"));
    dev.switchboard.common.testing.Eventually.within(java.time.Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(ended).containsExactly("c"));
  }
}
