package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.net.ConnectionLimits;
import io.vertx.core.Future;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hub, with small limits, flooded from 127.0.0.2 with unauthenticated polling handshakes,
 * connections that trickle their headers and idle connections: the flood holds no more than its
 * address's share, the rest is refused and counted, and every flood connection is closed after the
 * request timeout. During the flood {@code /health} answers and an authenticated client, from
 * 127.0.0.1, connects. Loopback only, bounded counts; it stops by itself.
 */
@Timeout(60)
class ConnectionFloodTest {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionFloodTest.class);
  private static final String FLOOD_ADDRESS = "127.0.0.2";
  private static final int PER_ADDRESS = 150;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final int HANDSHAKES = 200;
  private static final int MAX_PENDING = 60;
  private static final int TRICKLING = 50;
  private static final int IDLE = 300;

  private HubFixture hub;
  private final List<Socket> flood = new ArrayList<>();
  private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() throws IOException {
    trickler.shutdownNow();
    for (Socket socket : flood) {
      socket.close();
    }
    hub.close();
  }

  private Socket floodConnection() throws IOException {
    Socket socket = new Socket();
    flood.add(socket);
    socket.bind(new InetSocketAddress(FLOOD_ADDRESS, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", hub.port()));
    return socket;
  }

  /** Whether the hub still holds the connection: a read that times out rather than ending. */
  private static boolean held(Socket socket) {
    try {
      socket.setSoTimeout(20);
      return socket.getInputStream().read() >= 0;
    } catch (SocketTimeoutException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private long heldCount() {
    return flood.stream().filter(ConnectionFloodTest::held).count();
  }

  @Test
  void aFloodOfHandshakesSlowHeadersAndIdleSocketsLeavesHealthAndRealClientsServed()
      throws Exception {
    hub =
        HubFixture.start(
            new JsonObject().put("maxPendingSessions", MAX_PENDING).put("connectTimeout", 3_000),
            new ConnectionLimits(1_000, PER_ADDRESS, REQUEST_TIMEOUT));

    // unauthenticated polling handshakes nobody follows up, over a few keep-alive connections
    WebClient handshaker =
        WebClient.create(
            hub.vertx,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(hub.port())
                .setLocalAddress(FLOOD_ADDRESS),
            new PoolOptions().setHttp1MaxSize(4));
    List<Future<HttpResponse<io.vertx.core.buffer.Buffer>>> handshakes = new ArrayList<>();
    for (int i = 0; i < HANDSHAKES; i++) {
      handshakes.add(handshaker.get("/socket.io/?EIO=4&transport=polling").send());
    }
    Future.join(handshakes).await();
    long accepted = handshakes.stream().filter(h -> h.result().statusCode() == 200).count();
    long busy = handshakes.stream().filter(h -> h.result().statusCode() == 503).count();
    assertThat(accepted).as("handshakes kept from one address").isEqualTo(MAX_PENDING / 2);
    assertThat(accepted + busy).isEqualTo(HANDSHAKES);

    // connections that send a header line every 200 ms, never the blank line that ends them
    for (int i = 0; i < TRICKLING; i++) {
      Socket socket = floodConnection();
      socket
          .getOutputStream()
          .write("GET /health HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    List<Socket> trickling = List.copyOf(flood);
    trickler.scheduleAtFixedRate(
        () ->
            trickling.forEach(
                socket -> {
                  try {
                    socket
                        .getOutputStream()
                        .write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                  } catch (IOException e) {
                    // closed by the hub: what is expected
                  }
                }),
        200,
        200,
        TimeUnit.MILLISECONDS);
    // connections that send nothing
    for (int i = 0; i < IDLE; i++) {
      floodConnection();
    }
    long held = heldCount();
    LOG.info(
        "flood from {}: {} sockets held of {} opened, {} handshakes kept of {}",
        FLOOD_ADDRESS,
        held,
        flood.size(),
        accepted,
        HANDSHAKES);
    assertThat(held)
        .as("sockets of the flood the hub holds")
        .isLessThanOrEqualTo(PER_ADDRESS)
        .isGreaterThan(TRICKLING);
    assertThat(hub.metric("switchboard_net_connections_refused_total", "reason=\"address\""))
        .isGreaterThanOrEqualTo(IDLE + TRICKLING - PER_ADDRESS);

    // during the flood: /health answers, and an authenticated client connects
    long slowest = 0;
    for (int i = 0; i < 20; i++) {
      long started = System.nanoTime();
      assertThat(hub.health().getString("status")).isEqualTo("healthy");
      slowest = Math.max(slowest, System.nanoTime() - started);
    }
    LOG.info(
        "/health during the flood: slowest of 20 answers {} ms",
        TimeUnit.NANOSECONDS.toMillis(slowest));
    NodeDriver node = hub.node();
    node.connected("admin", "/services", "admin", Transport.WEBSOCKET.opts());
    node.connected("poller", "/services", "admin", Transport.POLLING.opts());

    // the flood's connections end after the request timeout; the clients stay
    long deadline = System.nanoTime() + 3 * REQUEST_TIMEOUT.toNanos();
    while (heldCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(heldCount())
        .as("flood sockets still held %s after the request timeout", REQUEST_TIMEOUT)
        .isZero();
    assertThat(hub.metric("switchboard_net_connections_timeouts_total"))
        .isGreaterThanOrEqualTo(held);
    hub.awaitHealth(
        "the handshakes nobody followed up gone",
        health -> hub.metric("switchboard_hub_engine_pending") == 0.0);
    assertThat(node.call("state", new JsonObject().put("client", "admin")).getBoolean("connected"))
        .isTrue();
    assertThat(node.call("state", new JsonObject().put("client", "poller")).getBoolean("connected"))
        .isTrue();
    assertThat(hub.health().getJsonObject("connections").getInteger("services")).isEqualTo(2);
  }
}
