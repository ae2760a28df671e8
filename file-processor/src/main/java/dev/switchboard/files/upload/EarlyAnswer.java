package dev.switchboard.files.upload;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.Problems;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a problem while the request body may still be arriving (a refused type, a body over the
 * limit, a busy server): the answer says {@code Connection: close} and the connection is closed
 * once it is written, so the rest of the body is never read. A client that waits for the answer
 * (tus-js-client, browsers, {@code curl}) reads it before it sends more. This is HTTP/1.1's way;
 * over HTTP/2 the answer ends the stream alone.
 */
final class EarlyAnswer {

  private static final Logger LOG = LoggerFactory.getLogger(EarlyAnswer.class);

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
      ctx.addEndHandler(sent -> ctx.request().connection().close());
    }
    Problems.send(ctx, problem);
  }
}
