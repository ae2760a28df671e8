package dev.switchboard.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpContent;
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
 * of a request body to its {@link RequestBody} while that body's reader takes them.
 *
 * <p>Vert.x copies every chunk of a body out of Netty's pooled buffer into a new heap buffer before
 * a handler sees it ({@code BufferInternal.safeBuffer}): for an upload, a GiB of garbage per GiB,
 * about 160 young collections of the 8 MiB young generation, and the zeroing and copying of every
 * byte. A lent chunk is copied instead into one array per event-loop thread, the pooled buffer is
 * released at once, and the chunk goes on to Vert.x wrapped around that array, which Vert.x hands
 * on as it is (it copies pooled buffers only). So the body still takes Vert.x's way, in order, with
 * its pausing and its byte counts; the reader copies the bytes where they go before its handler
 * returns (bench/README.md, "Upload: the chunks lent").
 *
 * <p>When Vert.x did not hand a lent chunk to the reader at once (it queued it: the reader paused
 * meanwhile), the array now belongs to that chunk, and the thread takes a new one. A chunk that
 * arrives while the reader is paused is not lent: Vert.x queues it, copied, as before.
 */
final class BodyTap extends ChannelInboundHandlerAdapter {

  static final String NAME = "switchboardBodyTap";

  /** The array chunks are lent in: one per event-loop thread, and whether it is lent now. */
  private static final class Scratch {
    byte[] bytes = new byte[HttpServers.UPLOAD_CHUNK];
    boolean lent;
  }

  private static final FastThreadLocal<Scratch> SCRATCH =
      new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
          return new Scratch();
        }
      };

  // the request whose body comes now: its headers (to know it again by), whether its last chunk
  // went by, and the body that is lent its chunks
  private HttpHeaders headers;
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
   * connection and the body now coming is this request's; otherwise every chunk is Vert.x's copy.
   * Called on the connection's event loop.
   */
  static void attach(HttpServerRequest request, RequestBody body) {
    if (request.connection() instanceof ConnectionBase base
        && base.channelHandlerContext().pipeline().get(NAME) instanceof BodyTap tap) {
      tap.attach(request.headers(), body);
    }
  }

  /** Lends the chunks of the request with these headers to {@code body}, if its body comes now. */
  void attach(Object requestHeaders, RequestBody body) {
    if (!ended && headers == requestHeaders) {
      this.body = body;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      headers = request.headers();
      ended = msg instanceof LastHttpContent;
      body = null;
    } else if (msg instanceof HttpContent content && !ended) {
      boolean last = content instanceof LastHttpContent;
      ended = last;
      RequestBody to = body;
      if (last) {
        body = null;
      }
      if (to != null && lent(ctx, content, last, to)) {
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Lends the chunk to the body if it is reading; false when the chunk goes on as it is. */
  private static boolean lent(
      ChannelHandlerContext ctx, HttpContent content, boolean last, RequestBody to) {
    ByteBuf bytes = content.content();
    int length = bytes.readableBytes();
    Scratch scratch = SCRATCH.get();
    if (length == 0
        || length > scratch.bytes.length
        || scratch.lent
        || !content.decoderResult().isSuccess()
        || !to.reading()) {
      return false;
    }
    byte[] array = scratch.bytes;
    bytes.getBytes(bytes.readerIndex(), array, 0, length);
    ByteBuf wrapped = Unpooled.wrappedBuffer(array, 0, length);
    HttpContent lent =
        last
            ? new DefaultLastHttpContent(wrapped, ((LastHttpContent) content).trailingHeaders())
            : new DefaultHttpContent(wrapped);
    content.release();
    scratch.lent = true;
    to.lending(array);
    try {
      ctx.fireChannelRead(lent);
    } finally {
      scratch.lent = false;
      if (!to.lent()) {
        // queued by Vert.x: the array is the chunk's now
        scratch.bytes = new byte[array.length];
      }
    }
    return true;
  }
}
