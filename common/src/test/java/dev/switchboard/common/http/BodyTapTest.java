package dev.switchboard.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * The tap alone, in a channel whose next handler stands in for Vert.x: it hands each chunk to the
 * request's handler at once, or queues it while told to (as Vert.x does while the connection is
 * paused).
 */
class BodyTapTest {

  /** Stands in for Vert.x: wraps a chunk's buffer as it is and delivers it, or queues it. */
  private static final class Vertx extends ChannelInboundHandlerAdapter {
    Handler<Buffer> handler;
    boolean queueing;
    final Queue<Buffer> queued = new ArrayDeque<>();
    final List<Object> seen = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      seen.add(msg);
      if (msg instanceof HttpContent content && content.content().isReadable()) {
        Buffer chunk = BufferInternal.buffer(content.content());
        if (queueing) {
          queued.add(chunk);
        } else {
          handler.handle(chunk);
        }
      }
    }
  }

  /** A request that only takes the body's handler, as {@link RequestBody} sets it. */
  private static HttpServerRequest request(Vertx vertx) {
    return (HttpServerRequest)
        Proxy.newProxyInstance(
            BodyTapTest.class.getClassLoader(),
            new Class<?>[] {HttpServerRequest.class},
            (proxy, method, args) -> {
              if (method.getName().equals("handler")) {
                @SuppressWarnings("unchecked")
                Handler<Buffer> handler = (Handler<Buffer>) args[0];
                vertx.handler = handler;
              }
              return method.getReturnType().isInstance(proxy) ? proxy : null;
            });
  }

  private static ByteBuf pooled(String text) {
    ByteBuf bytes = PooledByteBufAllocator.DEFAULT.directBuffer();
    bytes.writeCharSequence(text, StandardCharsets.US_ASCII);
    return bytes;
  }

  private final BodyTap tap = new BodyTap();
  private final Vertx vertx = new Vertx();
  private final EmbeddedChannel channel = new EmbeddedChannel(tap, vertx);

  /** A request's head through the tap, and a body that reads it, lent chunks copied. */
  private RequestBody start(List<String> read) {
    HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
    channel.writeInbound(head);
    RequestBody body = new RequestBody(request(vertx));
    tap.attach(head.headers(), body);
    body.handler(chunk -> read.add(chunk.toString(StandardCharsets.US_ASCII)));
    body.resume();
    return body;
  }

  @Test
  void aChunkIsLentAndItsPooledBufferReleasedAtOnce() {
    List<String> read = new ArrayList<>();
    start(read);
    ByteBuf first = pooled("first chunk");

    channel.writeInbound(new DefaultHttpContent(first));

    assertThat(read).containsExactly("first chunk");
    assertThat(first.refCnt()).isZero();
    assertThat(((HttpContent) vertx.seen.get(1)).content().alloc())
        .as("a lent chunk is not a pooled one, which Vert.x would copy")
        .isNotInstanceOf(PooledByteBufAllocator.class);
  }

  @Test
  void aLentChunkThatVertxQueuedKeepsItsBytesWhenTheNextIsLent() {
    List<String> read = new ArrayList<>();
    start(read);

    vertx.queueing = true;
    channel.writeInbound(new DefaultHttpContent(pooled("queued by Vert.x")));
    vertx.queueing = false;
    channel.writeInbound(new DefaultHttpContent(pooled("lent after it..")));
    vertx.queued.forEach(vertx.handler::handle);

    assertThat(read).containsExactly("lent after it..", "queued by Vert.x");
  }

  @Test
  void aPausedBodyGetsChunksAsTheyCameAndTheLastOneEndsTheLending() {
    List<String> read = new ArrayList<>();
    RequestBody body = start(read);
    ByteBuf whilePaused = pooled("while paused");

    body.pause();
    channel.writeInbound(new DefaultHttpContent(whilePaused));
    body.resume();
    channel.writeInbound(new DefaultLastHttpContent(pooled("the last")));
    channel.writeInbound(new DefaultHttpContent(pooled("after the end")));

    assertThat(vertx.seen.get(1)).as("not lent").isInstanceOf(DefaultHttpContent.class);
    assertThat(((HttpContent) vertx.seen.get(1)).content()).isSameAs(whilePaused);
    assertThat(vertx.seen.get(2)).isInstanceOf(DefaultLastHttpContent.class);
    assertThat(((HttpContent) vertx.seen.get(3)).content().alloc())
        .as("after the request's end nothing is lent")
        .isInstanceOf(PooledByteBufAllocator.class);
    assertThat(read).containsExactly("while paused", "the last", "after the end");
    vertx.seen.forEach(
        msg -> {
          if (msg instanceof HttpContent content && content.refCnt() > 0) {
            content.release();
          }
        });
  }

  @Test
  void aBodyOfAnotherRequestIsNotLentChunks() {
    List<String> read = new ArrayList<>();
    channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/a"));
    RequestBody body = new RequestBody(request(vertx));
    // the headers of some other request than the one whose body comes
    tap.attach(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/b").headers(), body);
    body.handler(chunk -> read.add(chunk.toString(StandardCharsets.US_ASCII)));
    body.resume();
    ByteBuf chunk = pooled("not lent");

    channel.writeInbound(new DefaultHttpContent(chunk));

    assertThat(((HttpContent) vertx.seen.get(1)).content()).isSameAs(chunk);
    chunk.release();
  }
}
