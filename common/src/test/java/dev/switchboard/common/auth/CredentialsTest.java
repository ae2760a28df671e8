package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class CredentialsTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String VIEWER = "viewer-token-0123456789abcdef";
  private static final String EMIT = "emit-token-0123456789abcdef";

  @Test
  void eachConfiguredTokenStandsForItsRole() {
    Credentials credentials =
        Credentials.fromConfig(
            new JsonObject()
                .put("adminToken", ADMIN)
                .put("viewerToken", VIEWER)
                .put("emitToken", EMIT));

    assertThat(credentials.roleOf(ADMIN)).contains(Role.ADMIN);
    assertThat(credentials.roleOf(VIEWER)).contains(Role.VIEWER);
    assertThat(credentials.roleOf(EMIT)).contains(Role.EMITTER);
    assertThat(credentials.roleOf("not-a-token")).isEmpty();
    assertThat(credentials.roleOf(ADMIN.substring(1))).isEmpty();
  }

  @Test
  void anAbsentTokenIsNoCredential() {
    Credentials credentials = Credentials.fromConfig(new JsonObject().put("adminToken", ADMIN));

    assertThat(credentials.roleOf(ADMIN)).contains(Role.ADMIN);
    assertThat(credentials.roleOf("")).isEmpty();
  }

  /**
   * Bug: the hub built its token table with Map.of, which threw "duplicate key" and failed the
   * start.
   */
  @Test
  void twoRolesSharingATokenAreRefusedByName() {
    assertThatThrownBy(
            () ->
                Credentials.fromConfig(
                    new JsonObject().put("adminToken", ADMIN).put("emitToken", ADMIN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ADMIN_TOKEN and EMIT_TOKEN are the same token; every role needs a token of its own");
    assertThatThrownBy(
            () ->
                Credentials.fromConfig(
                    new JsonObject().put("viewerToken", EMIT).put("emitToken", EMIT)))
        .hasMessageContaining("VIEWER_TOKEN and EMIT_TOKEN");
  }

  @Test
  void theRoleTableGivesAdminEverythingViewerReadsAndEmitterOnlyEmits() {
    for (Action action : Action.values()) {
      assertThat(Role.ADMIN.may(action)).as("admin may %s", action).isTrue();
    }
    assertThat(Role.VIEWER.may(Action.READ)).isTrue();
    assertThat(Role.VIEWER.may(Action.CONTROL)).isFalse();
    assertThat(Role.VIEWER.may(Action.EMIT)).isFalse();
    assertThat(Role.VIEWER.may(Action.READ_SECRETS)).as("env values are the admin's").isFalse();
    assertThat(Role.EMITTER.may(Action.READ_SECRETS)).isFalse();
    assertThat(Role.EMITTER.may(Action.EMIT)).isTrue();
    assertThat(Role.EMITTER.may(Action.READ)).as("the emit token reads nothing").isFalse();
    assertThat(Role.EMITTER.may(Action.CONTROL)).isFalse();
  }
}
