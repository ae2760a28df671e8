package dev.switchboard.common.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a new connection that has not sent the headers of its first request within the {@linkplain
 * ConnectionLimits#requestTimeout request timeout}: one that sends nothing, and one that trickles
 * its headers a byte at a time (an idle timeout alone never fires for it). It sits first in the
 * connection's pipeline and reads the bytes as they come, looking only for the blank line that ends
 * a header block; once it is seen, the handler leaves the pipeline, so requests that take long by
 * design (a long-polling GET) and websockets (kept alive by the Engine.IO heartbeat) are not its
 * business.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {

  private final long timeoutMillis;
  private final Runnable onTimeout;
  private ScheduledFuture<?> deadline;

  /** The last bytes read, to find a CRLF CRLF split across reads. */
  private int tail;

  /**
   * @param onTimeout called once when the deadline closes the connection (to count it)
   */
  RequestDeadline(long timeoutMillis, Runnable onTimeout) {
    this.timeoutMillis = timeoutMillis;
    this.onTimeout = onTimeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    deadline =
        ctx.executor()
            .schedule(
                () -> {
                  if (ctx.channel().isActive()) {
                    onTimeout.run();
                    ctx.close();
                  }
                },
                timeoutMillis,
                TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    deadline.cancel(false);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf bytes && headersEnd(bytes)) {
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Whether these bytes complete a header block: CRLF CRLF, counting the bytes of earlier reads.
   */
  private boolean headersEnd(ByteBuf bytes) {
    for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
      tail = tail << 8 | bytes.getByte(i) & 0xff;
      if (tail == 0x0d0a0d0a) {
        return true;
      }
    }
    return false;
  }
}
