package dev.switchboard.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.Role;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionsTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void anIssuedJwtVerifiesAsItsCaller() throws Exception {
    Sessions sessions = Sessions.load(vertx, Optional.empty(), Duration.ofMinutes(1));
    Sessions.Session issued = sessions.issue(new Caller("ci", Role.OPERATOR));
    Optional<Sessions.Session> verified = sessions.verify(issued.jwt()).await();
    assertThat(verified).isPresent();
    assertThat(verified.get().caller()).isEqualTo(new Caller("ci", Role.OPERATOR));
    assertThat(verified.get().expiresAt()).isEqualTo(issued.expiresAt());
  }
}
