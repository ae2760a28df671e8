package dev.switchboard.common.http;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;

/**
 * A request's body as a stream whose chunks may be <em>lent</em>: on a server made by {@link
 * HttpServers#takingUploads}, a chunk that arrives while the reader takes chunks (it is not paused,
 * and it has every earlier chunk) is handed over in an array that is used again once the handler
 * returns, instead of in the heap copy Vert.x makes of every chunk. The handler must copy whatever
 * it keeps of a chunk before it returns, and can tell a lent chunk by {@link #lending()}. Elsewhere
 * (HTTP/2, another server, a chunk that arrives while the reader is paused) chunks come as Vert.x
 * delivers them, in order with the lent ones.
 *
 * <p>Read the body through this stream only, from the request's context, and pause and resume it
 * here rather than on the request: a reader paused behind this stream's back would still be lent
 * chunks.
 */
public final class RequestBody implements ReadStream<Buffer> {

  private final HttpServerRequest request;
  private final ContextInternal context;
  private Handler<Buffer> handler;
  // paused until the reader resumes: a filter before it may have paused the request
  private boolean paused = true;
  // bytes Vert.x delivered (not lent), to tell when none are on their way through it
  private long delivered;
  private boolean lending;

  private RequestBody(HttpServerRequest request, ContextInternal context) {
    this.request = request;
    this.context = context;
  }

  /** The body of {@code request}; called on the request's context, before its body is read. */
  public static RequestBody of(HttpServerRequest request) {
    RequestBody body = new RequestBody(request, ContextInternal.current());
    if (body.context != null) {
      BodyTap.attach(request, body);
    }
    return body;
  }

  /** Whether the handler is being called with a lent chunk (valid only until it returns). */
  public boolean lending() {
    return lending;
  }

  /** Whether a chunk can be lent now, {@code passed} bytes having gone on to Vert.x before it. */
  boolean takes(long passed) {
    return handler != null && !paused && delivered == passed;
  }

  /** Calls the handler with a lent chunk, on the request's context. */
  void lend(ByteBuf chunk) {
    lending = true;
    try {
      context.dispatch(BufferInternal.buffer(chunk), handler);
    } finally {
      lending = false;
    }
  }

  @Override
  public RequestBody handler(Handler<Buffer> handler) {
    this.handler = handler;
    request.handler(handler == null ? null : this::delivered);
    return this;
  }

  private void delivered(Buffer chunk) {
    delivered += chunk.length();
    Handler<Buffer> to = handler;
    if (to != null) {
      to.handle(chunk);
    }
  }

  @Override
  public RequestBody pause() {
    paused = true;
    request.pause();
    return this;
  }

  @Override
  public RequestBody resume() {
    paused = false;
    request.resume();
    return this;
  }

  /** A bounded demand: nothing is lent while it is in force (until {@link #resume()}). */
  @Override
  public RequestBody fetch(long amount) {
    paused = true;
    request.fetch(amount);
    return this;
  }

  @Override
  public RequestBody exceptionHandler(Handler<Throwable> handler) {
    request.exceptionHandler(handler);
    return this;
  }

  @Override
  public RequestBody endHandler(Handler<Void> endHandler) {
    request.endHandler(endHandler);
    return this;
  }
}
