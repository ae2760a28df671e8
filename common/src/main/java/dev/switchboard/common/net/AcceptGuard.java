package dev.switchboard.common.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Sits in a listening channel's pipeline, ahead of the handler that sets up each accepted
 * connection: a connection over the {@link ConnectionLimits} is closed at once, before any of its
 * bytes are read (the client sees the connection closed); an admitted one is counted until it ends
 * and gets a {@link RequestDeadline}.
 */
@ChannelHandler.Sharable
final class AcceptGuard extends ChannelInboundHandlerAdapter {

  private final ConnectionLedger ledger;
  private final ConnectionLimits limits;
  private final ConnectionMeters meters;

  /**
   * Counts a connection out when it ends: one listener for all of them rather than one per
   * connection. The channel keeps the remote address it was accepted with ({@link #channelRead}
   * asked for it first), so it still names it once closed.
   */
  private final ChannelFutureListener release;

  AcceptGuard(ConnectionLedger ledger, ConnectionLimits limits, ConnectionMeters meters) {
    this.ledger = ledger;
    this.limits = limits;
    this.meters = meters;
    this.release =
        closed ->
            ledger.release(((InetSocketAddress) closed.channel().remoteAddress()).getAddress());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Channel connection)
        || !(connection.remoteAddress() instanceof InetSocketAddress remote)) {
      // a unix domain socket: local, not limited
      ctx.fireChannelRead(msg);
      return;
    }
    InetAddress address = remote.getAddress();
    ConnectionLedger.Refusal refusal = ledger.admit(address);
    if (refusal != null) {
      meters.refused(refusal);
      // not registered with an event loop yet: closed here, as Netty closes a connection it cannot
      // set up
      connection.unsafe().closeForcibly();
      return;
    }
    connection.closeFuture().addListener(release);
    connection
        .pipeline()
        .addFirst(
            "requestDeadline",
            new RequestDeadline(limits.requestTimeout().toMillis(), meters::timedOut));
    ctx.fireChannelRead(connection);
  }
}
