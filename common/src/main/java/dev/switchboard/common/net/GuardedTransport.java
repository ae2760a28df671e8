package dev.switchboard.common.net;

import dev.switchboard.common.observability.Telemetry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.transport.Transport;
import java.util.concurrent.ThreadFactory;

/**
 * A network transport (epoll, NIO, ...) whose listeners hold connections within the process's
 * {@link ConnectionLimits}: every server of the Vert.x instance built on it (the gateway, the hub,
 * the ops server, the clustered event bus) gets an {@link AcceptGuard} on its listening channel.
 *
 * <p>Why the transport: the limits are on file descriptors, which the process shares, so they are
 * counted at one place for all listeners; and Vert.x offers no hook at accept for HTTP servers (the
 * connection handler of an {@code HttpServer} runs only once a first request's headers have been
 * read, which is too late for an idle connection or one that trickles its headers). The transport
 * configures each listening socket's Netty bootstrap, whose parent handler Vert.x leaves free.
 */
public final class GuardedTransport implements Transport {

  private final Transport transport;
  private final ConnectionLimits limits;
  private final ConnectionLedger ledger;
  private ConnectionMeters meters;

  public GuardedTransport(Transport transport, ConnectionLimits limits) {
    this.transport = transport;
    this.limits = limits;
    this.ledger = new ConnectionLedger(limits);
  }

  public ConnectionLimits limits() {
    return limits;
  }

  @Override
  public String name() {
    return transport.name();
  }

  @Override
  public boolean available() {
    return transport.available();
  }

  @Override
  public Throwable unavailabilityCause() {
    return transport.unavailabilityCause();
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return new Guarded(transport.implementation());
  }

  /** Meters go to the registry of the Vert.x instance, which exists once servers are configured. */
  private synchronized AcceptGuard acceptGuard() {
    if (meters == null) {
      meters = new ConnectionMeters(Telemetry.registry(), ledger);
    }
    return new AcceptGuard(ledger, limits, meters);
  }

  /**
   * The transport implementation, with the guard added to server bootstraps; all else is delegated.
   */
  private final class Guarded implements io.vertx.core.spi.transport.Transport {

    private final io.vertx.core.spi.transport.Transport delegate;

    Guarded(io.vertx.core.spi.transport.Transport delegate) {
      this.delegate = delegate;
    }

    @Override
    public void configure(
        NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      delegate.configure(options, domainSocket, bootstrap);
      if (!domainSocket) {
        bootstrap.handler(acceptGuard());
      }
    }

    @Override
    public boolean supportsDomainSockets() {
      return delegate.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return delegate.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return delegate.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return delegate.unavailabilityCause();
    }

    @Override
    public java.net.SocketAddress convert(SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public SocketAddress convert(java.net.SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return delegate.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(
        int type, int threads, ThreadFactory threadFactory, int ioRatio) {
      return delegate.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return delegate.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return delegate.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return delegate.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return delegate.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      delegate.configure(channel, options);
    }

    @Override
    public void configure(
        ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      delegate.configure(options, connectTimeout, domainSocket, bootstrap);
    }
  }
}
