package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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
  void aFingerprintChangesWithTheTokenAndTheKeyAndShowsNeither() {
    byte[] key = "a-signing-key-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] otherKey = "another-key-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Credentials credentials =
        Credentials.fromConfig(
            new JsonObject().put("adminToken", ADMIN).put("viewerToken", VIEWER));
    Credentials changed =
        Credentials.fromConfig(
            new JsonObject().put("adminToken", ADMIN + "x").put("viewerToken", VIEWER));

    String admin = credentials.fingerprint(Role.ADMIN, key).orElseThrow();
    assertThat(credentials.fingerprint(Role.ADMIN, key)).contains(admin);
    assertThat(changed.fingerprint(Role.ADMIN, key).orElseThrow()).isNotEqualTo(admin);
    assertThat(credentials.fingerprint(Role.ADMIN, otherKey).orElseThrow()).isNotEqualTo(admin);
    assertThat(changed.fingerprint(Role.VIEWER, key))
        .isEqualTo(credentials.fingerprint(Role.VIEWER, key));
    assertThat(credentials.fingerprint(Role.OPERATOR, key)).isEmpty();
    assertThat(admin).doesNotContain(ADMIN).matches("[A-Za-z0-9_-]{43}");
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
  void theOperatorTokenStandsForTheOperator() {
    Credentials credentials =
        Credentials.fromConfig(
            new JsonObject().put("adminToken", ADMIN).put("operatorToken", VIEWER));

    assertThat(credentials.roleOf(VIEWER)).contains(Role.OPERATOR);
    assertThatThrownBy(
            () ->
                Credentials.fromConfig(
                    new JsonObject().put("adminToken", ADMIN).put("operatorToken", ADMIN)))
        .hasMessageContaining("ADMIN_TOKEN and OPERATOR_TOKEN");
  }

  /** The whole table, row by row: a change to it must change this test. */
  @Test
  void theRoleTable() {
    Map<Role, Set<Action>> table = new EnumMap<>(Role.class);
    for (Role role : Role.values()) {
      table.put(
          role,
          Arrays.stream(Action.values())
              .filter(role::may)
              .collect(Collectors.toCollection(() -> EnumSet.noneOf(Action.class))));
    }
    assertThat(table)
        .containsExactly(
            Map.entry(Role.ADMIN, EnumSet.allOf(Action.class)),
            Map.entry(Role.OPERATOR, EnumSet.of(Action.READ, Action.OPERATE)),
            Map.entry(Role.VIEWER, EnumSet.of(Action.READ)),
            Map.entry(Role.EMITTER, EnumSet.of(Action.EMIT)));
  }

  @Test
  void aRefusalNamesTheRoleAndTheAction() {
    assertThat(Access.refusal(Role.VIEWER, Action.OPERATE))
        .contains("the viewer role may not operate");
    assertThat(Access.refusal(Role.OPERATOR, Action.ADMINISTER))
        .contains("the operator role may not administer");
    assertThat(Access.refusal(Role.OPERATOR, Action.OPERATE)).isEmpty();
    assertThat(Role.ofLabel("operator")).contains(Role.OPERATOR);
    assertThat(Role.ofLabel("root")).isEmpty();
  }
}
