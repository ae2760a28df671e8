package dev.switchboard.common.http;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;

/**
 * A request's body as a stream whose chunks may be <em>lent</em>: on a server made by {@link
 * HttpServers#takingUploads}, a chunk that arrives while the reader is not paused comes in an array
 * that is used again for the next chunk once the handler returns, instead of in the heap copy
 * Vert.x makes of every chunk. So the handler must copy whatever it keeps of a chunk before it
 * returns when {@link #lending()} says the chunk is lent. Elsewhere (HTTP/2, another server, a
 * chunk that arrives while the reader is paused) chunks are Vert.x's copies. Either way they come
 * through the request, in order, counted by Vert.x as the request's bytes.
 *
 * <p>Read the body through this stream, not the request, and pause and resume it here.
 */
public final class RequestBody implements ReadStream<Buffer> {

  private final HttpServerRequest request;
  private Handler<Buffer> handler;
  // paused until the reader resumes: a filter before it may have paused the request
  private boolean paused = true;
  // the array of the chunk being lent, and whether the handler had it
  private byte[] lending;
  private boolean lent;

  RequestBody(HttpServerRequest request) {
    this.request = request;
  }

  /** The body of {@code request}; called on the request's context, before its body is read. */
  public static RequestBody of(HttpServerRequest request) {
    RequestBody body = new RequestBody(request);
    BodyTap.attach(request, body);
    return body;
  }

  /**
   * Whether a chunk is being lent: the handler's chunk is then valid only until the handler
   * returns.
   */
  public boolean lending() {
    return lending != null;
  }

  /** Whether the reader takes chunks now: it has a handler and is not paused. */
  boolean reading() {
    return handler != null && !paused;
  }

  /** A chunk in {@code array} goes to Vert.x, to be handed to the handler. */
  void lending(byte[] array) {
    lending = array;
    lent = false;
  }

  /** Whether the handler had the chunk lent; the lending is over. */
  boolean lent() {
    lending = null;
    return lent;
  }

  @Override
  public RequestBody handler(Handler<Buffer> handler) {
    this.handler = handler;
    request.handler(handler == null ? null : this::chunk);
    return this;
  }

  private void chunk(Buffer chunk) {
    if (lending != null && !lent) {
      ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
      lent = bytes.hasArray() && bytes.array() == lending;
    }
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
