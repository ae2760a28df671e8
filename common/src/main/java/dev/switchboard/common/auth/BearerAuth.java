package dev.switchboard.common.auth;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Demands {@code Authorization: Bearer <token>} with the given token. The comparison takes the same
 * time whatever the guess, so the token cannot be found one character at a time.
 */
public final class BearerAuth implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";
  private final byte[] expected;

  private BearerAuth(String token) {
    this.expected = token.getBytes(StandardCharsets.UTF_8);
  }

  public static BearerAuth of(String token) {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("a bearer token is required");
    }
    return new BearerAuth(token);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      ctx.fail(new ApiException(ErrorType.UNAUTHORIZED, "send Authorization: Bearer <token>", null));
      return;
    }
    byte[] given = header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(expected, given)) {
      ctx.fail(new ApiException(ErrorType.UNAUTHORIZED, "the bearer token is not valid", null));
      return;
    }
    ctx.next();
  }
}
