package dev.switchboard.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.common.testing.Eventually;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.backends.BackendRegistries;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection guard on a plain HTTP server built on a {@link GuardedTransport}: connections over
 * the total or per-address limit are closed at accept and counted; an idle connection and one that
 * trickles its headers are closed after the request timeout, while a client that sent its request
 * keeps its connection.
 */
@Timeout(30)
class GuardedTransportTest {

  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(800);

  private Vertx vertx;
  private HttpServer server;
  private final List<Socket> sockets = new ArrayList<>();

  private void start(int max, int perAddress) {
    vertx =
        Telemetry.vertxBuilder("guard-test", new VertxOptions())
            .withTransport(
                new GuardedTransport(
                    Transport.NIO, new ConnectionLimits(max, perAddress, REQUEST_TIMEOUT)))
            .build();
    server =
        vertx
            .createHttpServer()
            .requestHandler(request -> request.response().end("ok"))
            .listen(0, "127.0.0.1")
            .await();
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  private Socket connect(String from) throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.bind(new InetSocketAddress(from, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
    return socket;
  }

  /** Whether the server still holds the connection: a read that times out rather than ending. */
  private static boolean held(Socket socket) throws IOException {
    socket.setSoTimeout(200);
    try {
      return socket.getInputStream().read() >= 0;
    } catch (SocketTimeoutException e) {
      return true;
    } catch (SocketException e) {
      return false;
    }
  }

  private static String exchange(Socket socket, String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    socket.setSoTimeout(5_000);
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[4096];
    int read = in.read(buffer);
    return read < 0 ? "" : new String(buffer, 0, read, StandardCharsets.US_ASCII);
  }

  private double meter(String name, String... tags) {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    var search = registry.find(Telemetry.exported(name));
    if (tags.length > 0) {
      search = search.tags(tags);
    }
    return search.counter() != null ? search.counter().count() : search.gauge().value();
  }

  @Test
  void aConnectionOverTheTotalIsClosedAtAcceptAndAnEndedOneFreesItsPlace() throws IOException {
    start(3, 10);
    List<Socket> first = List.of(connect("127.0.0.1"), connect("127.0.0.1"), connect("127.0.0.1"));
    Socket over = connect("127.0.0.1");
    assertThat(held(over)).as("the fourth connection").isFalse();
    for (Socket socket : first) {
      assertThat(held(socket)).isTrue();
    }
    assertThat(meter("net.connections.refused", "reason", "total")).isEqualTo(1.0);
    assertThat(meter("net.connections.open")).isEqualTo(3.0);

    first.get(0).close();
    Eventually.within(Duration.ofSeconds(5))
        .alias("a place is free")
        .until(() -> meter("net.connections.open") == 2.0);
    assertThat(exchange(connect("127.0.0.1"), "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        .startsWith("HTTP/1.1 200");
  }

  @Test
  void oneAddressCannotTakeThePlacesOfOthers() throws IOException {
    start(10, 2);
    connect("127.0.0.2");
    connect("127.0.0.2");
    Socket over = connect("127.0.0.2");
    assertThat(held(over)).isFalse();
    assertThat(meter("net.connections.refused", "reason", "address")).isEqualTo(1.0);
    assertThat(exchange(connect("127.0.0.1"), "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        .startsWith("HTTP/1.1 200");
  }

  @Test
  void idleAndTricklingConnectionsAreClosedAfterTheRequestTimeoutAndAServedOneIsKept()
      throws IOException, InterruptedException {
    start(10, 10);
    Socket idle = connect("127.0.0.1");
    Socket trickling = connect("127.0.0.1");
    Socket served = connect("127.0.0.1");
    assertThat(exchange(served, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        .startsWith("HTTP/1.1 200");
    trickling
        .getOutputStream()
        .write("GET / HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
    long deadline = System.nanoTime() + 3 * REQUEST_TIMEOUT.toNanos();
    boolean closed = false;
    while (!closed && System.nanoTime() < deadline) {
      try {
        trickling.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
        Thread.sleep(100);
      } catch (SocketException e) {
        closed = true;
      }
    }
    assertThat(held(trickling)).as("the connection that trickles its headers").isFalse();
    assertThat(held(idle)).as("the idle connection").isFalse();
    assertThat(held(served)).as("the connection whose request was answered").isTrue();
    assertThat(meter("net.connections.timeouts")).isEqualTo(2.0);
  }
}
