package dev.switchboard.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectDecoder;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Sits in an HTTP/1.x connection's pipeline just before Vert.x's own handler and lends the chunks
 * of a request body to its {@link RequestBody} while that body's reader takes them at once.
 *
 * <p>Vert.x copies every chunk of a body out of Netty's pooled buffer into a new heap buffer before
 * a handler sees it ({@code BufferInternal.safeBuffer}): for an upload, a GiB of garbage per GiB,
 * about 160 young collections of the 8 MiB young generation, and the zeroing and copying of every
 * byte. Lent, a chunk is copied into one array per event-loop thread that is used again for the
 * next chunk, the pooled buffer is released at once, and the reader, called on the request's
 * context as Vert.x would call it, copies the bytes where they go before it returns
 * (bench/README.md, "Upload: the chunks lent").
 *
 * <p>A chunk is lent only when nothing of the body is on its way through Vert.x: the reader is not
 * paused, and every byte handed on to Vert.x has reached it. Otherwise the chunk goes on to Vert.x
 * as before, which queues it while the reader is paused; so the reader gets the body in order
 * either way, and Vert.x's pausing of the connection still holds the body back. A lent last chunk
 * is passed on empty, with its trailers, so that the request ends in Vert.x as it would have.
 */
final class BodyTap extends ChannelInboundHandlerAdapter {

  static final String NAME = "switchboardBodyTap";

  /** The array a chunk is lent in: one per event-loop thread, and whether it is lent now. */
  private static final class Scratch {
    final byte[] bytes = new byte[HttpServers.UPLOAD_CHUNK];
    boolean lent;
  }

  private static final FastThreadLocal<Scratch> SCRATCH =
      new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
          return new Scratch();
        }
      };

  // the request whose body comes now: its headers (to know it again by), the bytes of its body
  // handed on to Vert.x, whether its last chunk went by, and the body that takes lent chunks
  private HttpHeaders headers;
  private long passed;
  private boolean ended = true;
  private RequestBody body;

  /**
   * Puts a tap in front of an HTTP/1.x connection's handler; any other connection is left as is.
   */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelHandlerContext vertx = base.channelHandlerContext();
      ChannelPipeline pipeline = vertx.pipeline();
      if (pipeline.get(HttpObjectDecoder.class) != null && pipeline.get(BodyTap.class) == null) {
        pipeline.addBefore(vertx.name(), NAME, new BodyTap());
      }
    }
  }

  /**
   * Lends {@code request}'s chunks to {@code body} from now on, when the tap is in front of its
   * connection and the body now coming is this request's; otherwise every chunk goes through
   * Vert.x. Called on the connection's event loop.
   */
  static void attach(HttpServerRequest request, RequestBody body) {
    if (request.connection() instanceof ConnectionBase base
        && base.channelHandlerContext().pipeline().get(NAME) instanceof BodyTap tap
        && !tap.ended
        && tap.headers == request.headers()) {
      tap.body = body;
    }
  }

  /** How many bytes of the current request's body were handed on to Vert.x (tests). */
  long passed() {
    return passed;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      headers = request.headers();
      passed = 0;
      ended = msg instanceof LastHttpContent;
      body = null;
    } else if (msg instanceof HttpContent content && !ended) {
      boolean last = content instanceof LastHttpContent;
      ended = last;
      if (body != null && lent(ctx, content, last)) {
        return;
      }
      passed += content.content().readableBytes();
      if (last) {
        body = null;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Lends the chunk to the body, if it takes it now; false when it goes on to Vert.x. */
  private boolean lent(ChannelHandlerContext ctx, HttpContent content, boolean last) {
    ByteBuf bytes = content.content();
    int length = bytes.readableBytes();
    Scratch scratch = SCRATCH.get();
    if (length == 0
        || length > scratch.bytes.length
        || scratch.lent
        || !content.decoderResult().isSuccess()
        || !body.takes(passed)) {
      return false;
    }
    bytes.getBytes(bytes.readerIndex(), scratch.bytes, 0, length);
    RequestBody to = body;
    HttpHeaders trailers = last ? ((LastHttpContent) content).trailingHeaders() : null;
    if (last) {
      body = null;
    }
    content.release();
    scratch.lent = true;
    try {
      to.lend(Unpooled.wrappedBuffer(scratch.bytes, 0, length));
    } finally {
      scratch.lent = false;
    }
    if (last) {
      ctx.fireChannelRead(
          trailers.isEmpty()
              ? LastHttpContent.EMPTY_LAST_CONTENT
              : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers));
    }
    return true;
  }
}
