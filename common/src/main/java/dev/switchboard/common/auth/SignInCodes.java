package dev.switchboard.common.auth;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import java.time.Duration;
import java.time.Instant;

/**
 * The one-time codes of first-start links ({@code http://host:port/#code=<code>}): the launcher
 * issues one on every start of a process that runs the gateway and prints it in its banner; the
 * gateway's {@code POST /api/v1/auth/code} redeems it once for an admin session. A code is 32
 * random bytes (256 bits), valid for a limited time and for one use. Only its SHA-256 is kept, in a
 * {@link LocalMap} of the process's Vert.x (so every instance of the gateway verticle sees the same
 * codes, and a code is used once however many there are); it never leaves the process that printed
 * it, and a restart ends it.
 */
public final class SignInCodes {

  /** How long a first-start link works: an hour. */
  public static final Duration VALID_FOR = Duration.ofHours(1);

  private static final String MAP = "switchboard.sign-in-codes";

  private SignInCodes() {}

  /** A new code, valid for {@code validFor} from now; only its hash is kept. */
  public static String issue(Vertx vertx, Duration validFor) {
    String code = Tokens.generate();
    LocalMap<String, Long> codes = codes(vertx);
    forgetExpired(codes);
    codes.put(hash(code), Instant.now().plus(validFor).toEpochMilli());
    return code;
  }

  /**
   * Uses {@code code}: true when it was issued, is not expired and was not used before; it is used
   * up either way.
   */
  public static boolean redeem(Vertx vertx, String code) {
    LocalMap<String, Long> codes = codes(vertx);
    forgetExpired(codes);
    Long until = codes.remove(hash(code));
    return until != null && Instant.now().toEpochMilli() < until;
  }

  private static LocalMap<String, Long> codes(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  private static void forgetExpired(LocalMap<String, Long> codes) {
    long now = Instant.now().toEpochMilli();
    codes.keySet().stream()
        .filter(
            key -> {
              Long until = codes.get(key);
              return until != null && until <= now;
            })
        .toList()
        .forEach(codes::remove);
  }

  /** A code is kept as a token is: its SHA-256 ({@link Authenticator#key}). */
  private static String hash(String code) {
    return Authenticator.key(code);
  }
}
