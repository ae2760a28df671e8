package dev.switchboard.hub.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.ShutdownEvent;
import io.vertx.core.net.impl.VertxHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server websocket reduced to what Engine.IO needs, living directly in the Netty pipeline.
 *
 * <p>Why: Vert.x 5 keeps, for every upgraded websocket, its {@code ServerWebSocket} and two
 * connection objects (the websocket's and the HTTP connection it came from, still referenced
 * through the upgrade request), each with an outbound message queue whose first chunk alone is a
 * 1,024-slot array: about 9 KB per connection before any hub state, more than the whole budget of
 * an idle connection. Vert.x still does the HTTP upgrade (its checks and the handshake response);
 * then {@link #takeOver} puts this handler in the place of Vert.x's, so that no Vert.x object stays
 * reachable, and Vert.x is told the connection is over for it (its metrics close; the hub's own
 * meters count sessions).
 *
 * <p>What remains per connection is the Netty channel and this handler, which is its frame decoder
 * too: it takes the place of the one the upgrade put in the pipeline (one handler and context less
 * per connection, and one decoder configuration for all of them instead of one each), and it puts
 * fragmented messages together (rather than a {@code WebSocketFrameAggregator} per connection:
 * another handler and context in every pipeline, for messages that come in fragments rarely). The
 * frame encoder goes too: what the hub sends are whole frames already ({@link
 * EnginePacket#frame()}), and the few control frames it writes (pong, close) are encoded here, so
 * the encoder only passed buffers along, one more handler and context per connection. Whole
 * messages arrive as text or binary; pings are answered, a close frame is answered and the
 * connection closed. Everything runs on the channel's event loop, which is the hub's.
 */
final class HubWebSocket extends WebSocket13FrameDecoder {

  /** What a websocket reports to its owner. */
  interface Listener {
    void onText(HubWebSocket ws, String text);

    void onBinary(HubWebSocket ws, Buffer data);

    /** The connection is gone, for whatever reason; called once. */
    void onClose(HubWebSocket ws);
  }

  /** How long a close frame may take to leave before the connection is cut anyway. */
  private static final long CLOSE_TIMEOUT_SECONDS = 10;

  private final int maxMessageSize;
  private ChannelHandlerContext ctx;
  private Listener listener;

  /** The fragments of a message so far; null between messages (nearly always). */
  private CompositeByteBuf partial;

  private boolean partialText;
  private boolean closing;
  private boolean gone;

  /** Whether this channel waits in the {@link WebSocketWriter}'s flush queue. */
  boolean flushQueued;

  /**
   * @param maxMessageSize largest message, fragments together; a longer one closes with 1009
   * @param config how frames are decoded: the same as Vert.x's decoder has (see {@link
   *     EngineServer#decoderConfig}), one object for every connection
   */
  HubWebSocket(int maxMessageSize, WebSocketDecoderConfig config) {
    super(config);
    this.maxMessageSize = maxMessageSize;
  }

  /** A websocket whose frames are at most {@code maxMessageSize} too (for tests). */
  HubWebSocket(int maxMessageSize) {
    this(
        maxMessageSize,
        WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(maxMessageSize)
            .closeOnProtocolViolation(false)
            .build());
  }

  /**
   * Replaces Vert.x's handler of a freshly upgraded websocket with a new {@code HubWebSocket}. Call
   * it from the websocket handler, before any frame could have been read (the client speaks only
   * after it got the upgrade response, which Vert.x has just written).
   *
   * <p>The frame decoder the upgrade put in the pipeline goes as well: this handler decodes frames
   * itself, with {@code config}, which must be what Vert.x gives its decoder for the server's
   * options ({@link EngineServer#decoderConfig} for {@link EngineServer#httpServerOptions}). The
   * client has sent nothing yet, so there is no frame half read to take over; whatever bytes the
   * old decoder would still hold are handed on to this one when it is removed. The decoder stays,
   * and this handler takes the frames it decodes as before, when it is of another protocol version
   * than RFC 6455's (hixie-76) or when an extension's decoder sits between the two
   * (permessage-deflate negotiated on a server that offers it).
   *
   * @param maxMessageSize largest message, fragments together; a longer one closes with 1009
   * @param config the frame decoder's settings
   */
  static HubWebSocket takeOver(
      ServerWebSocket ws, int maxMessageSize, WebSocketDecoderConfig config) {
    ChannelHandlerContext vertxCtx = ((WebSocketInternal) ws).channelHandlerContext();
    ChannelPipeline pipeline = vertxCtx.pipeline();
    ChannelHandler vertxHandler = vertxCtx.handler();
    HubWebSocket hub = new HubWebSocket(maxMessageSize, config);
    pipeline.replace(vertxHandler, "hubWebSocket", hub);
    WebSocketFrameEncoder encoder = pipeline.get(WebSocketFrameEncoder.class);
    if (encoder != null) {
      pipeline.remove(encoder);
    }
    WebSocket08FrameDecoder decoder = decoderRightBefore(pipeline, hub);
    if (decoder != null) {
      // removed after the hub is in, so that bytes it might hold would reach the hub's decoding
      pipeline.remove(decoder);
    }
    if (vertxHandler instanceof VertxHandler<?> detached) {
      // Vert.x's websocket no longer hears from the channel: let it close its books (metrics) now
      detached.channelInactive(vertxCtx);
      forgetCloseFuture(vertxCtx.channel(), detached.getConnection());
    }
    return hub;
  }

  /**
   * The RFC 6455 frame decoder whose frames go straight to {@code hub}, or null: none, or one whose
   * frames pass through an extension's decoder first (permessage-deflate, on a server that offers
   * compression, unlike {@link EngineServer#httpServerOptions}), which then stays where it is.
   */
  private static WebSocket08FrameDecoder decoderRightBefore(
      ChannelPipeline pipeline, HubWebSocket hub) {
    WebSocket08FrameDecoder decoder = null;
    for (Map.Entry<String, ChannelHandler> entry : pipeline) {
      ChannelHandler handler = entry.getValue();
      if (handler == hub) {
        return decoder;
      }
      if (handler instanceof WebSocket08FrameDecoder frames) {
        decoder = frames;
      } else if (handler instanceof ChannelInboundHandler) {
        decoder = null;
      }
    }
    return null;
  }

  /**
   * Takes the Vert.x websocket connection's close promise off the channel's close future. Every
   * Vert.x connection object listens there with a promise of its own ({@code ConnectionBase}), and
   * the websocket's is bound to the upgrade request's duplicated context: the promise, the context
   * and its locals (about 70 bytes) stayed for the life of every connection, for a connection
   * object nothing uses any more and whose close Vert.x has already been told of ({@code
   * channelInactive} above). The promises of the connection objects the channel had before the
   * upgrade (the plain socket's, the HTTP connection's) stay: nothing outside Vert.x can reach
   * them.
   */
  static void forgetCloseFuture(Channel channel, Object connection) {
    if (connection instanceof ConnectionBase vertxConnection
        && vertxConnection.closeFuture() instanceof GenericFutureListener<?> promise) {
      @SuppressWarnings("unchecked")
      GenericFutureListener<? extends Future<? super Void>> listener =
          (GenericFutureListener<? extends Future<? super Void>>) promise;
      channel.closeFuture().removeListener(listener);
    }
  }

  void listener(Listener listener) {
    this.listener = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    this.ctx = ctx;
  }

  // ---- writing ----

  ChannelHandlerContext context() {
    return ctx;
  }

  /** Bytes written to the channel that the peer has not taken yet. */
  long backlog() {
    ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }

  boolean writable() {
    return ctx.channel().isWritable();
  }

  void flush() {
    ctx.flush();
  }

  /**
   * Starts the closing handshake: a close frame (1000), then the connection ends when the peer's
   * close frame answers, or after {@link #CLOSE_TIMEOUT_SECONDS}. Until then whatever the peer
   * still sends is read and dropped: closing a TCP connection with unread data in it makes the
   * kernel reset it, and a reset makes the peer throw away what it had not read yet, the last
   * packets and the close frame included. A peer that reads nothing any more (the channel is backed
   * up) is cut at once: its close frame would never leave.
   */
  void close() {
    if (closing || gone) {
      return;
    }
    closing = true;
    Channel channel = ctx.channel();
    if (!channel.isWritable()) {
      ctx.close();
      return;
    }
    ctx.writeAndFlush(closeFrame(ctx, WebSocketCloseStatus.NORMAL_CLOSURE.code()));
    ScheduledFuture<?> cut =
        ctx.executor().schedule(() -> ctx.close(), CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    channel.closeFuture().addListener(f -> cut.cancel(false));
  }

  // ---- reading ----

  /**
   * Bytes are decoded here; frames, when an upstream decoder of another version made them, taken.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof WebSocketFrame) {
      onFrame(ctx, msg);
    } else {
      super.channelRead(ctx, msg);
    }
  }

  /**
   * Decodes what it can and takes the frames at once, in order, instead of passing them down the
   * pipeline (where nothing follows this handler).
   */
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    super.decode(ctx, in, out);
    if (out.isEmpty()) {
      return;
    }
    Object[] frames = out.toArray();
    out.clear();
    int taken = 0;
    try {
      for (Object frame : frames) {
        taken++;
        onFrame(ctx, frame);
      }
    } finally {
      for (int i = taken; i < frames.length; i++) {
        ReferenceCountUtil.release(frames[i]);
      }
    }
  }

  /** A whole frame (released here). */
  private void onFrame(ChannelHandlerContext ctx, Object msg) {
    try {
      if (closing || gone) {
        if (msg instanceof CloseWebSocketFrame) {
          // the peer answered our close frame: the handshake is over
          ctx.close();
        }
        return;
      }
      if (msg instanceof ContinuationWebSocketFrame more) {
        onFragment(ctx, more);
      } else if (msg instanceof WebSocketFrame frame
          && !frame.isFinalFragment()
          && (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)) {
        // the first fragment of a message (the decoder refuses a new one before the last ended)
        dropPartial();
        partial = ctx.alloc().compositeBuffer();
        partialText = frame instanceof TextWebSocketFrame;
        onFragment(ctx, frame);
      } else if (msg instanceof TextWebSocketFrame text) {
        listener.onText(this, text.text());
      } else if (msg instanceof BinaryWebSocketFrame binary) {
        listener.onBinary(this, Buffer.buffer(ByteBufUtil.getBytes(binary.content())));
      } else if (msg instanceof PingWebSocketFrame ping) {
        ctx.writeAndFlush(controlFrame(ctx, OPCODE_PONG, ping.content()));
      } else if (msg instanceof CloseWebSocketFrame close) {
        // answer the close handshake with the peer's status, then end the connection
        closing = true;
        ctx.writeAndFlush(closeFrame(ctx, close.statusCode()))
            .addListener(ChannelFutureListener.CLOSE);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private static final int OPCODE_CLOSE = 0x8;
  private static final int OPCODE_PONG = 0xA;

  /** A close frame with {@code status}, or with no status when it is negative (as received). */
  static ByteBuf closeFrame(ChannelHandlerContext ctx, int status) {
    if (status < 0) {
      return controlFrame(ctx, OPCODE_CLOSE, null);
    }
    ByteBuf code = ctx.alloc().buffer(2).writeShort(status);
    try {
      return controlFrame(ctx, OPCODE_CLOSE, code);
    } finally {
      code.release();
    }
  }

  /**
   * A server's control frame, encoded: final, unmasked, {@code payload} (at most 125 bytes, as the
   * protocol has it for control frames; the decoder refuses longer ones) copied in.
   */
  static ByteBuf controlFrame(ChannelHandlerContext ctx, int opcode, ByteBuf payload) {
    int length = payload == null ? 0 : payload.readableBytes();
    ByteBuf frame = ctx.alloc().buffer(2 + length);
    frame.writeByte(0x80 | opcode).writeByte(length);
    if (payload != null) {
      frame.writeBytes(payload, payload.readerIndex(), length);
    }
    return frame;
  }

  /**
   * Adds a fragment to the message being put together; delivers it after the last one. A message
   * over {@code maxMessageSize}, fragments together, ends the connection with 1009 (as {@link
   * #exceptionCaught} does for a frame the decoder finds too long).
   */
  private void onFragment(ChannelHandlerContext ctx, WebSocketFrame fragment) {
    if (partial == null) {
      // a continuation with no message begun: the decoder refuses it first; nothing to add it to
      return;
    }
    ByteBuf content = fragment.content();
    if (partial.readableBytes() > maxMessageSize - content.readableBytes()) {
      dropPartial();
      exceptionCaught(
          ctx, new TooLongFrameException("message over " + maxMessageSize + " bytes in fragments"));
      return;
    }
    partial.addComponent(true, content.retain());
    if (!fragment.isFinalFragment()) {
      return;
    }
    CompositeByteBuf whole = partial;
    partial = null;
    try {
      if (partialText) {
        listener.onText(this, whole.toString(StandardCharsets.UTF_8));
      } else {
        listener.onBinary(this, Buffer.buffer(ByteBufUtil.getBytes(whole)));
      }
    } finally {
      whole.release();
    }
  }

  private void dropPartial() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (closing || gone) {
      ctx.close();
      return;
    }
    closing = true;
    WebSocketCloseStatus status =
        cause instanceof TooLongFrameException
            ? WebSocketCloseStatus.MESSAGE_TOO_BIG
            : cause instanceof CorruptedWebSocketFrameException corrupted
                ? corrupted.closeStatus()
                : null;
    if (status == null || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    ctx.writeAndFlush(closeFrame(ctx, status.code())).addListener(written -> endAfterRefusal(ctx));
  }

  /**
   * After the close frame that refuses a message (1009 for one over the limit, 1002 for a broken
   * frame): the hub's side of the connection is shut (FIN), and what the peer still sends is read
   * and dropped until it closes too, or for {@link #CLOSE_TIMEOUT_SECONDS}. Closing at once, with
   * the rest of a large message still arriving, makes the kernel reset the connection, and the peer
   * loses the close frame and sees 1006 (abnormal closure) instead of the reason.
   */
  private static void endAfterRefusal(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    if (!(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
      ctx.close();
      return;
    }
    duplex.shutdownOutput();
    ScheduledFuture<?> cut =
        ctx.executor().schedule(() -> ctx.close(), CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    channel.closeFuture().addListener(f -> cut.cancel(false));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ShutdownEvent) {
      // the HTTP server is closing (this handler took the place of the Vert.x one it addresses)
      close();
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      // the decoder's part first: what the peer sent last still comes out as frames
      super.channelInactive(ctx);
    } finally {
      dropPartial();
      if (!gone) {
        gone = true;
        if (listener != null) {
          listener.onClose(this);
        }
      }
    }
  }
}
