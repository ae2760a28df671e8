package dev.switchboard.common.auth;

import dev.switchboard.common.config.Setting;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tokens a server accepts and the role each one stands for, read from the {@code auth} slice of
 * its configuration ({@code adminToken}, {@code operatorToken}, {@code viewerToken}, {@code
 * emitToken}; each may be absent). A token is looked up in constant time, so it cannot be guessed
 * one character at a time.
 */
public final class Credentials {

  /** Which setting holds the token of which role. */
  private record TokenSetting(Setting setting, Role role) {
    /** The key in the {@code auth} slice: {@code auth.adminToken} is {@code adminToken}. */
    String key() {
      return setting.path().substring(setting.path().indexOf('.') + 1);
    }
  }

  private static final List<TokenSetting> TOKEN_SETTINGS =
      List.of(
          new TokenSetting(Setting.ADMIN_TOKEN, Role.ADMIN),
          new TokenSetting(Setting.OPERATOR_TOKEN, Role.OPERATOR),
          new TokenSetting(Setting.VIEWER_TOKEN, Role.VIEWER),
          new TokenSetting(Setting.EMIT_TOKEN, Role.EMITTER));

  private record Known(byte[] token, TokenSetting setting) {}

  private final List<Known> known;

  private Credentials(List<Known> known) {
    this.known = known;
  }

  /**
   * The credentials of an {@code auth} slice.
   *
   * @throws IllegalArgumentException when two roles share one token (which role would it be?)
   */
  public static Credentials fromConfig(JsonObject auth) {
    List<Known> known = new ArrayList<>();
    for (TokenSetting tokenSetting : TOKEN_SETTINGS) {
      String token = auth.getString(tokenSetting.key());
      if (token == null) {
        continue;
      }
      for (Known earlier : known) {
        if (MessageDigest.isEqual(earlier.token(), bytes(token))) {
          throw new IllegalArgumentException(
              earlier.setting().setting().envName()
                  + " and "
                  + tokenSetting.setting().envName()
                  + " are the same token; every role needs a token of its own");
        }
      }
      known.add(new Known(bytes(token), tokenSetting));
    }
    return new Credentials(List.copyOf(known));
  }

  /**
   * The role of a token; empty when the token is not one of these. Every known token is compared.
   */
  public Optional<Role> roleOf(String token) {
    byte[] given = bytes(token);
    Role role = null;
    for (Known candidate : known) {
      if (MessageDigest.isEqual(candidate.token(), given)) {
        role = candidate.setting().role();
      }
    }
    return Optional.ofNullable(role);
  }

  /**
   * A keyed fingerprint of the token configured for {@code role} (HMAC-SHA256 with {@code key}, in
   * URL-safe Base64): what a sign-in JWT bought with that token carries, so that the session ends
   * when the token is changed, without the JWT holding anything a token could be guessed from
   * offline. Empty when no token is configured for the role.
   */
  public Optional<String> fingerprint(Role role, byte[] key) {
    for (Known candidate : known) {
      if (candidate.setting().role() == role) {
        try {
          Mac mac = Mac.getInstance("HmacSHA256");
          mac.init(new SecretKeySpec(key, "HmacSHA256"));
          return Optional.of(
              Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(mac.doFinal(candidate.token())));
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
      }
    }
    return Optional.empty();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
