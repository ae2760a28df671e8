package dev.switchboard.common.auth;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Demands {@code Authorization: Bearer <token>} with one of the given tokens. The comparison takes
 * the same time whatever the guess, so a token cannot be found one character at a time.
 */
public final class BearerAuth implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";
  private final List<byte[]> expected;

  private BearerAuth(List<byte[]> expected) {
    this.expected = expected;
  }

  public static BearerAuth of(String... tokens) {
    List<byte[]> expected = new ArrayList<>();
    for (String token : tokens) {
      if (token == null || token.isEmpty()) {
        throw new IllegalArgumentException("a bearer token is required");
      }
      expected.add(token.getBytes(StandardCharsets.UTF_8));
    }
    return new BearerAuth(List.copyOf(expected));
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      ctx.fail(new ApiException(ErrorType.UNAUTHORIZED, "send Authorization: Bearer <token>", null));
      return;
    }
    byte[] given = header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
    boolean known = false;
    for (byte[] token : expected) {
      known |= MessageDigest.isEqual(token, given);
    }
    if (!known) {
      ctx.fail(new ApiException(ErrorType.UNAUTHORIZED, "the bearer token is not valid", null));
      return;
    }
    ctx.next();
  }
}
