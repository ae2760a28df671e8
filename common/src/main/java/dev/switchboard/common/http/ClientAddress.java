package dev.switchboard.common.http;

import io.netty.util.NetUtil;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The address of the client a request comes from, behind the proxies this server trusts ({@code
 * TRUSTED_PROXIES}, the config slice's {@code trustedProxies}: addresses and CIDR blocks, none by
 * default). A request from a trusted proxy is taken as from the address its {@code X-Forwarded-For}
 * names: the rightmost entry that is not itself a trusted proxy (the entries to its left were
 * written by the client, who may write anything). Any other request is from its peer, whatever
 * headers it sends.
 *
 * <p>Behind nginx every request's peer is nginx: without this, the limits kept per address (failed
 * sign-ins, pending handshakes) would count every client as one, and one client could lock out all
 * the others.
 */
public final class ClientAddress {

  /** The address of a request with no peer address (a test's in-memory request). */
  public static final String UNKNOWN = "unknown";

  /** The routing context key of the client's address, put by {@link #handler()}. */
  private static final String KEY = "switchboard.clientAddress";

  private final List<Block> trusted;

  private ClientAddress(List<Block> trusted) {
    this.trusted = trusted;
  }

  /** No proxy trusted: every request is from its peer. */
  public static ClientAddress peers() {
    return new ClientAddress(List.of());
  }

  /**
   * From a config slice's {@code trustedProxies}; an entry that is not an IP address or a CIDR
   * block fails with a message naming it.
   */
  public static ClientAddress fromConfig(JsonObject config) {
    JsonArray proxies = config.getJsonArray("trustedProxies");
    return proxies == null ? peers() : of(proxies.stream().map(Object::toString).toList());
  }

  /**
   * Trusting {@code proxies} (addresses such as {@code 127.0.0.1}, blocks such as {@code
   * 10.0.0.0/8}).
   */
  public static ClientAddress of(List<String> proxies) {
    return new ClientAddress(proxies.stream().map(Block::parse).toList());
  }

  /** Puts each request's client address in its routing context, for {@link #from}. */
  public Handler<RoutingContext> handler() {
    return ctx -> {
      ctx.put(KEY, of(ctx.request()));
      ctx.next();
    };
  }

  /**
   * The client's address of a request routed through {@link #handler()}; of a request that was not,
   * its peer.
   */
  public static String from(RoutingContext ctx) {
    String address = ctx.get(KEY);
    return address != null ? address : peers().of(ctx.request());
  }

  /** The client's address of {@code request}. */
  public String of(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    String address = peer == null ? null : peer.hostAddress();
    return of(address, request.getHeader("X-Forwarded-For"));
  }

  /** The client's address of a request from {@code peer} that carries {@code forwardedFor}. */
  public String of(String peer, String forwardedFor) {
    if (peer == null) {
      return UNKNOWN;
    }
    if (forwardedFor == null || !trusts(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String client = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (NetUtil.createByteArrayFromIpAddressString(hop) == null) {
        // not an address (garbage, or "unknown"): nothing to its left can be believed either
        return client;
      }
      client = hop;
      if (!trusts(hop)) {
        return hop;
      }
    }
    return client;
  }

  private boolean trusts(String address) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
    return bytes != null && trusted.stream().anyMatch(block -> block.contains(bytes));
  }

  /** An address block: the first {@code bits} bits of {@code network}. */
  private record Block(byte[] network, int bits) {

    static Block parse(String text) {
      String[] parts = text.trim().split("/", 2);
      byte[] address = NetUtil.createByteArrayFromIpAddressString(parts[0]);
      int width = address == null ? 0 : address.length * 8;
      int bits = width;
      if (parts.length == 2) {
        try {
          bits = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          bits = -1;
        }
      }
      if (address == null || bits < 0 || bits > width) {
        throw new IllegalArgumentException(
            "TRUSTED_PROXIES: '"
                + text
                + "' is not an IP address or a CIDR block (such as 127.0.0.1 or 10.0.0.0/8)");
      }
      return new Block(address, bits);
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (network[whole] & mask);
    }
  }
}
