package dev.switchboard.files.upload;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.Problems;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a problem while the request body may still be arriving (a refused type, a body over the
 * limit, a busy server): the answer says {@code Connection: close} and the connection is closed
 * shortly after it is written, so the rest of the body is never read. A client that waits for the
 * answer (tus-js-client, browsers, {@code curl}) reads it before it sends more. This is HTTP/1.1's
 * way; over HTTP/2 the answer ends the stream alone.
 */
final class EarlyAnswer {

  private static final Logger LOG = LoggerFactory.getLogger(EarlyAnswer.class);

  /** How long a refused request's connection stays open after the answer. */
  static final Duration LINGER = Duration.ofSeconds(2);

  private EarlyAnswer() {}

  static void problem(RoutingContext ctx, Throwable failure) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ApiException problem;
    if (failure instanceof ApiException api) {
      problem = api;
    } else {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      problem = ApiException.internal(failure);
    }
    // HTTP/2 needs none of this: its flow control stops the stream, and the connection is shared
    if (!ctx.request().isEnded() && ctx.request().version() != HttpVersion.HTTP_2) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      ctx.addEndHandler(sent -> linger(ctx));
    }
    Problems.send(ctx, problem);
  }

  /**
   * Closes the connection {@link #LINGER} after the answer, not at once: closed with body bytes
   * still unread, the kernel answers the peer's next bytes with a reset, and a peer still sending
   * (the gateway's proxy, streaming the body on) can lose the answer with it. A peer that has read
   * the answer closes first.
   */
  private static void linger(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    long timer = ctx.vertx().setTimer(LINGER.toMillis(), id -> connection.close());
    connection.closeHandler(closed -> ctx.vertx().cancelTimer(timer));
  }
}
