package dev.switchboard.hub.conformance;

import static dev.switchboard.hub.conformance.WirePeers.await;
import static dev.switchboard.hub.conformance.WirePeers.pause;
import static dev.switchboard.hub.conformance.WirePeers.polling;
import static dev.switchboard.hub.conformance.WirePeers.uri;
import static dev.switchboard.hub.conformance.WirePeers.websocket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.testing.Eventually;
import dev.switchboard.hub.ConformanceVerticle;
import dev.switchboard.hub.conformance.WirePeers.Peer;
import dev.switchboard.hub.conformance.WirePeers.Reply;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance fixture ({@link ConformanceVerticle}) against Engine.IO v4 and Socket.IO v5 as
 * the official engine.io-protocol and socket.io-protocol test suites check them: handshake,
 * messages, heartbeat, close and upgrade of both transports, then namespaces, events, acks, binary
 * attachments and malformed packets. The wire is spoken by hand, frame by frame.
 *
 * <p>{@code /engine.io/} echoes every Engine.IO message; {@code /socket.io/} is the reference
 * Socket.IO server ({@code auth} on connect, {@code message} → {@code message-back}, {@code
 * message-with-ack} acknowledged with its arguments). Heartbeat 300 ms / 200 ms, connect timeout 1
 * s, maxPayload 1,000,000 bytes.
 */
@Timeout(20)
class ProtocolConformanceTest {

  private static final String ENGINE = "/engine.io/";
  private static final String SOCKET = "/socket.io/";
  private static final int PING_INTERVAL = 300;
  private static final int PING_TIMEOUT = 200;
  private static final int CONNECT_TIMEOUT = 1000;

  /** Slack on top of the protocol's own deadlines, for a busy machine; never a lower bound. */
  private static final int MARGIN = 1500;

  private static Vertx vertx;
  private static WirePeers peers;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    ConformanceVerticle fixture = new ConformanceVerticle();
    vertx
        .deployVerticle(fixture, new DeploymentOptions().setConfig(new JsonObject().put("port", 0)))
        .await();
    peers = new WirePeers(vertx, fixture.actualPort());
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  // ================================================================ Engine.IO

  @Nested
  class Handshake {

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void pollingOpensASessionWithExactlyTheFiveKeys(String path) {
      JsonObject open = peers.pollingHandshake(path);

      assertThat(open.fieldNames())
          .containsExactlyInAnyOrder(
              "sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload");
      assertThat(open.getValue("sid")).isInstanceOf(String.class);
      assertThat(open.getJsonArray("upgrades")).isEqualTo(new JsonArray().add("websocket"));
      assertThat(open.getValue("pingInterval")).isEqualTo(PING_INTERVAL);
      assertThat(open.getValue("pingTimeout")).isEqualTo(PING_TIMEOUT);
      assertThat(open.getValue("maxPayload")).isEqualTo(1_000_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void webSocketOpensASessionWithNoUpgrades(String path) {
      try (Peer peer = peers.webSocket(path, websocket(null))) {
        String open = peer.text();

        assertThat(open).startsWith("0");
        JsonObject handshake = new JsonObject(open.substring(1));
        assertThat(handshake.fieldNames())
            .containsExactlyInAnyOrder(
                "sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload");
        assertThat(handshake.getJsonArray("upgrades")).isEmpty();
        assertThat(handshake.getValue("pingInterval")).isEqualTo(PING_INTERVAL);
        assertThat(handshake.getValue("pingTimeout")).isEqualTo(PING_TIMEOUT);
        assertThat(handshake.getValue("maxPayload")).isEqualTo(1_000_000);
      }
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "transport=polling",
          "EIO=abc&transport=polling",
          "EIO=3&transport=polling",
          "EIO=5&transport=polling"
        })
    void aMissingOrUnsupportedEioIsRefused(String query) {
      assertThat(peers.get(uri(ENGINE, query)).status()).isEqualTo(400);
      assertThat(peers.get(uri(SOCKET, query)).status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"EIO=4", "EIO=4&transport=abc", "EIO=4&transport="})
    void aMissingOrUnknownTransportIsRefused(String query) {
      assertThat(peers.get(uri(ENGINE, query)).status()).isEqualTo(400);
      assertThat(peers.get(uri(SOCKET, query)).status()).isEqualTo(400);
    }

    @Test
    void aHandshakeIsAGetOnly() {
      assertThat(peers.request(HttpMethod.POST, uri(ENGINE, polling(null))).status())
          .isEqualTo(400);
      assertThat(peers.request(HttpMethod.PUT, uri(ENGINE, polling(null))).status()).isEqualTo(400);
      assertThat(peers.request(HttpMethod.PUT, uri(SOCKET, polling(null))).status()).isEqualTo(400);
    }

    @Test
    void anUnknownSidIsRefused() {
      assertThat(peers.get(uri(ENGINE, polling("no-such-session"))).status()).isEqualTo(400);
      assertThat(peers.post(uri(ENGINE, polling("no-such-session")), "4hello").status())
          .isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "transport=websocket",
          "EIO=abc&transport=websocket",
          "EIO=4",
          "EIO=4&transport=abc",
          "EIO=4&transport=websocket&sid=no-such-session"
        })
    void aBadWebSocketHandshakeGets400(String query) {
      assertThatThrownBy(() -> peers.webSocket(ENGINE, query))
          .isInstanceOfSatisfying(
              UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(400));
    }

    @Test
    void webSocketCompressionIsNotNegotiated() {
      // as in the reference server: no permessage-deflate, so a broadcast is encoded once for all
      // recipients, and a client's frames are not held back behind its own compressor
      WebSocketClient deflating =
          vertx.createWebSocketClient(
              new WebSocketClientOptions().setTryUsePerMessageCompression(true));
      try {
        WebSocket ws =
            await(
                deflating.connect(
                    new WebSocketConnectOptions()
                        .setHost("127.0.0.1")
                        .setPort(peers.port())
                        .setURI(uri(ENGINE, websocket(null)))));
        assertThat(ws.headers().get("Sec-WebSocket-Extensions")).isNull();
      } finally {
        await(deflating.close());
      }
    }

    @Test
    void aBrowserOriginGetsCorsHeaders() {
      Map<String, String> origin = Map.of("Origin", "https://app.example");
      Reply preflight =
          await(
              peers.send(
                  HttpMethod.OPTIONS,
                  uri(SOCKET, polling(null)),
                  null,
                  Map.of(
                      "Origin", "https://app.example", "Access-Control-Request-Method", "POST")));
      assertThat(preflight.status()).isEqualTo(204);

      assertThat(peers.header(uri(SOCKET, polling(null)), origin, "Access-Control-Allow-Origin"))
          .isEqualTo("https://app.example");
    }
  }

  @Nested
  class Messages {

    @Test
    void aPollingPayloadOfOneTextPacketIsEchoed() {
      String sid = peers.openPolling(ENGINE);

      Reply push = peers.post(uri(ENGINE, polling(sid)), "4hello");
      assertThat(push).isEqualTo(new Reply(200, "ok"));

      assertThat(peers.get(uri(ENGINE, polling(sid)))).isEqualTo(new Reply(200, "4hello"));
    }

    @Test
    void packetsOfAPollingPayloadAreSeparatedByTheRecordSeparator() {
      String sid = peers.openPolling(ENGINE);

      assertThat(peers.post(uri(ENGINE, polling(sid)), "4test1\u001e4test2\u001e4test3"))
          .isEqualTo(new Reply(200, "ok"));

      assertThat(peers.get(uri(ENGINE, polling(sid))).body())
          .isEqualTo("4test1\u001e4test2\u001e4test3");
    }

    @Test
    void binaryTravelsOverPollingAsBPlusBase64() {
      String sid = peers.openPolling(ENGINE);

      assertThat(peers.post(uri(ENGINE, polling(sid)), "4hello\u001ebAQIDBA=="))
          .isEqualTo(new Reply(200, "ok"));

      assertThat(peers.get(uri(ENGINE, polling(sid))).body()).isEqualTo("4hello\u001ebAQIDBA==");
    }

    @Test
    void anInvalidPollingPacketClosesTheSession() {
      String sid = peers.openPolling(ENGINE);

      assertThat(peers.post(uri(ENGINE, polling(sid)), "abc").status()).isEqualTo(400);

      assertThat(peers.get(uri(ENGINE, polling(sid))).status()).isEqualTo(400);
    }

    @Test
    void aSecondConcurrentGetClosesTheSessionAndTheFirstLearnsItByAClosePacket() {
      String sid = peers.openPolling(ENGINE);
      Future<Reply> first = peers.pendingGet(ENGINE, sid);
      pause(50);

      Reply second = peers.get(uri(ENGINE, polling(sid) + "&t=burst"));

      assertThat(second.status()).isIn(400, 500);
      assertThat(await(first)).isEqualTo(new Reply(200, "1"));
      assertThat(peers.get(uri(ENGINE, polling(sid))).status()).isEqualTo(400);
    }

    @Test
    void anAbandonedPollClosesTheSession() {
      String sid = peers.openPolling(ENGINE);

      peers.abandonedGet(ENGINE, sid);

      // the close travels on another connection: later GETs are refused once it arrived
      Eventually.within(WirePeers.WAIT)
          .pollInterval(Duration.ofMillis(20))
          .alias("later GETs are refused")
          .until(() -> peers.get(uri(ENGINE, polling(sid))).status(), status -> status == 400);
    }

    @Test
    void aPostOverMaxPayloadGets413() {
      String sid = peers.openPolling(ENGINE);

      Reply tooLarge = peers.post(uri(ENGINE, polling(sid)), "4" + "a".repeat(1_000_000));

      assertThat(tooLarge.status()).isEqualTo(413);
    }

    @Test
    void aPostOfExactlyMaxPayloadIsTaken() {
      String sid = peers.openPolling(ENGINE);
      String message = "4" + "a".repeat(999_999);

      assertThat(peers.post(uri(ENGINE, polling(sid)), message)).isEqualTo(new Reply(200, "ok"));
      assertThat(peers.get(uri(ENGINE, polling(sid))).body()).isEqualTo(message);
    }

    @Test
    void aTextPacketIsEchoedOverAWebSocket() {
      try (Peer peer = peers.openWebSocket(ENGINE)) {
        peer.send("4hello");

        assertThat(peer.textPacket()).isEqualTo("4hello");
      }
    }

    @Test
    void binaryTravelsOverAWebSocketAsABinaryFrame() {
      try (Peer peer = peers.openWebSocket(ENGINE)) {
        peer.send((byte) 1, (byte) 2, (byte) 3, (byte) 4);

        assertThat(peer.binaryPacket()).isEqualTo(Buffer.buffer(new byte[] {1, 2, 3, 4}));
      }
    }

    @Test
    void anInvalidWebSocketPacketClosesTheSession() {
      try (Peer peer = peers.openWebSocket(ENGINE)) {
        peer.send("abc");

        peer.awaitClose();
      }
    }
  }

  @Nested
  class Heartbeat {

    /**
     * A session with no namespace is ended by the connect timeout (1 s) on /socket.io/: fewer
     * rounds there.
     */
    private int rounds(String path) {
      return path.equals(ENGINE) ? 3 : 2;
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void theServerPingsAPollingClientAndTakesItsPong(String path) {
      String sid = peers.openPolling(path);

      for (int i = 0; i < rounds(path); i++) {
        assertThat(peers.get(uri(path, polling(sid)))).isEqualTo(new Reply(200, "2"));
        assertThat(peers.post(uri(path, polling(sid)), "3")).isEqualTo(new Reply(200, "ok"));
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void aPollingClientThatDoesNotPongIsClosedAfterPingTimeout(String path) {
      long start = System.nanoTime();
      String sid = peers.openPolling(path);
      assertThat(peers.get(uri(path, polling(sid))).body()).isEqualTo("2");

      // no pong: the GET waiting now is ended by a close packet, and the session is gone
      assertThat(peers.get(uri(path, polling(sid)))).isEqualTo(new Reply(200, "1"));
      assertThat(peers.get(uri(path, polling(sid))).status()).isEqualTo(400);
      assertThat(millisSince(start)).isLessThan(PING_INTERVAL + PING_TIMEOUT + MARGIN);
    }

    /**
     * The official suites' "closes the session upon ping timeout": a poll sent {@code pingInterval
     * + pingTimeout} after the handshake came back finds the session gone. It arrives a fraction of
     * a millisecond after the deadline, so a heartbeat that closes the session even slightly late
     * fails some rounds; hence twenty of them.
     */
    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    @Timeout(40)
    void aPollAtExactlyPingIntervalPlusPingTimeoutFindsTheSessionGone(String path)
        throws InterruptedException {
      for (int round = 1; round <= 20; round++) {
        String sid = peers.openPolling(path);
        Thread.sleep(PING_INTERVAL + PING_TIMEOUT);

        assertThat(peers.get(uri(path, polling(sid))))
            .as("round %d", round)
            .isEqualTo(new Reply(400, "{\"code\":1,\"message\":\"Session ID unknown\"}"));
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void theServerPingsAWebSocketClientAndTakesItsPong(String path) {
      try (Peer peer = peers.openWebSocket(path)) {
        for (int i = 0; i < rounds(path); i++) {
          assertThat(peer.text()).isEqualTo("2");
          peer.send("3");
        }
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void aWebSocketClientThatDoesNotPongIsClosedAfterPingTimeout(String path) {
      long start = System.nanoTime();
      try (Peer peer = peers.openWebSocket(path)) {
        peer.awaitCloseUnanswered();
      }
      assertThat(millisSince(start)).isLessThan(PING_INTERVAL + PING_TIMEOUT + MARGIN);
    }

    @Test
    void aPingFromAWebSocketClientIsAProtocolError() {
      try (Peer peer = peers.openWebSocket(ENGINE)) {
        peer.send("2");

        peer.awaitClose();
      }
    }

    @Test
    void aPingFromAPollingClientIsAProtocolError() {
      String sid = peers.openPolling(ENGINE);

      assertThat(peers.post(uri(ENGINE, polling(sid)), "2").status()).isEqualTo(400);

      assertThat(peers.get(uri(ENGINE, polling(sid))).status()).isEqualTo(400);
    }
  }

  @Nested
  class Close {

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void aClosePacketEndsAPollingSessionAndThePendingGetGetsANoop(String path) {
      String sid = peers.openPolling(path);
      Future<Reply> pending = peers.pendingGet(path, sid);
      pause(50);

      assertThat(peers.post(uri(path, polling(sid)), "1")).isEqualTo(new Reply(200, "ok"));

      assertThat(await(pending)).isEqualTo(new Reply(200, "6"));
      assertThat(peers.get(uri(path, polling(sid))).status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void aClosePacketEndsAWebSocketSession(String path) {
      try (Peer peer = peers.openWebSocket(path)) {
        peer.send("1");

        peer.awaitClose();
      }
    }
  }

  @Nested
  class Upgrade {

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void probeThenNoopToThePendingGetThenUpgrade(String path) {
      String sid = peers.openPolling(path);
      Future<Reply> pending = peers.pendingGet(path, sid);
      pause(50);

      try (Peer probe = peers.webSocket(path, websocket(sid))) {
        probe.send("2probe");
        assertThat(probe.text()).isEqualTo("3probe");
        assertThat(await(pending))
            .as("the GET waiting during the probe")
            .isEqualTo(new Reply(200, "6"));

        probe.send("5");
        if (path.equals(ENGINE)) {
          probe.send("4hello");
          assertThat(probe.textPacket()).isEqualTo("4hello");
        } else {
          probe.send("40");
          assertThat(probe.textPacket()).startsWith("40{\"sid\":");
        }
      }
    }

    @Test
    void aGetDuringTheProbeIsEndedByANoop() {
      String sid = peers.openPolling(ENGINE);
      try (Peer probe = peers.webSocket(ENGINE, websocket(sid))) {
        probe.send("2probe");
        assertThat(probe.text()).isEqualTo("3probe");

        assertThat(peers.get(uri(ENGINE, polling(sid)))).isEqualTo(new Reply(200, "6"));

        probe.send("5");
        probe.send("4hello");
        assertThat(probe.textPacket()).isEqualTo("4hello");
      }
    }

    @Test
    void packetsWaitingForAGetAreDeliveredOnTheUpgradedWebSocket() {
      String sid = peers.openPolling(ENGINE);
      assertThat(peers.post(uri(ENGINE, polling(sid)), "4queued").status()).isEqualTo(200);

      try (Peer probe = peers.webSocket(ENGINE, websocket(sid))) {
        probe.send("2probe");
        assertThat(probe.text()).isEqualTo("3probe");
        probe.send("5");

        assertThat(probe.textPacket()).isEqualTo("4queued");
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void afterTheUpgradePollingIsRefused(String path) {
      String sid = peers.openPolling(path);
      try (Peer upgraded = upgrade(path, sid)) {
        assertThat(peers.get(uri(path, polling(sid))).status()).isEqualTo(400);
        assertThat(peers.post(uri(path, polling(sid)), "3").status()).isEqualTo(400);

        assertThat(upgraded.isClosed())
            .as("the refused requests leave the websocket alone")
            .isFalse();
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {ENGINE, SOCKET})
    void afterTheUpgradeASecondWebSocketForTheSidIsClosed(String path) {
      String sid = peers.openPolling(path);
      try (Peer upgraded = upgrade(path, sid);
          Peer second = peers.webSocket(path, websocket(sid))) {
        second.awaitCloseUnanswered();

        if (path.equals(ENGINE)) {
          upgraded.send("4hello");
          assertThat(upgraded.textPacket()).isEqualTo("4hello");
        } else {
          assertThat(upgraded.isClosed()).isFalse();
        }
      }
    }

    @Test
    void aSecondProbeWhileOneIsUnderWayIsClosed() {
      String sid = peers.openPolling(ENGINE);
      try (Peer probe = peers.webSocket(ENGINE, websocket(sid));
          Peer second = peers.webSocket(ENGINE, websocket(sid))) {
        second.awaitCloseUnanswered();

        probe.send("2probe");
        assertThat(probe.text()).isEqualTo("3probe");
      }
    }

    private Peer upgrade(String path, String sid) {
      Peer probe = peers.webSocket(path, websocket(sid));
      probe.send("2probe");
      assertThat(probe.text()).isEqualTo("3probe");
      probe.send("5");
      // the upgrade is complete once the session answers over the websocket
      if (path.equals(ENGINE)) {
        probe.send("4upgraded");
        assertThat(probe.textPacket()).isEqualTo("4upgraded");
      } else {
        probe.send("40");
        assertThat(probe.textPacket()).startsWith("40{");
        assertThat(probe.textPacket()).isEqualTo("42[\"auth\",{}]");
      }
      return probe;
    }
  }

  // ================================================================ Socket.IO

  @Nested
  class Connect {

    @Test
    void theMainNamespaceAnswersWithItsSidThenTheServerEmitsAuth() {
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.send("40");

        String connected = peer.textPacket();
        assertThat(connected).startsWith("40{");
        JsonObject payload = new JsonObject(connected.substring(2));
        assertThat(payload.fieldNames()).containsExactly("sid");
        assertThat(payload.getValue("sid")).isInstanceOf(String.class);
        assertThat(peer.textPacket()).isEqualTo("42[\"auth\",{}]");
      }
    }

    @Test
    void theConnectPayloadIsTheHandshakeAuth() {
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.send("40{\"token\":\"123\"}");

        assertThat(peer.textPacket()).startsWith("40{\"sid\":");
        assertThat(peer.textPacket()).isEqualTo("42[\"auth\",{\"token\":\"123\"}]");
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"40/custom,", "40/custom"})
    void aCustomNamespaceAnswersWithItsName(String connect) {
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.send(connect);

        String connected = peer.textPacket();
        assertThat(connected).startsWith("40/custom,");
        assertThat(new JsonObject(connected.substring("40/custom,".length())).fieldNames())
            .containsExactly("sid");
        assertThat(peer.textPacket()).isEqualTo("42/custom,[\"auth\",{}]");
      }
    }

    @Test
    void aCustomNamespaceTakesAPayload() {
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.send("40/custom,{\"token\":\"abc\"}");

        assertThat(peer.textPacket()).startsWith("40/custom,{\"sid\":");
        assertThat(peer.textPacket()).isEqualTo("42/custom,[\"auth\",{\"token\":\"abc\"}]");
      }
    }

    @Test
    void anUnknownNamespaceIsAConnectError() {
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.send("40/random");

        assertThat(peer.textPacket()).isEqualTo("44/random,{\"message\":\"Invalid namespace\"}");
        // the Engine.IO session stays: the main namespace still connects
        peer.send("40");
        assertThat(peer.textPacket()).startsWith("40{\"sid\":");
      }
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "4abc",
          "40\"abc\"",
          "40[1]",
          "40null",
          "40/custom,true",
          "41",
          "42[\"message\"]"
        })
    void aFirstPacketThatIsNotAValidConnectClosesTheConnection(String packet) {
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.send(packet);

        peer.awaitClose();
      }
    }

    @Test
    void aSessionThatConnectsToNoNamespaceIsClosedAfterConnectTimeout() {
      long start = System.nanoTime();
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.awaitClose();

        // pings were answered all along: the connect timeout closed it, not the heartbeat
        assertThat(peer.pingsAnswered()).isGreaterThanOrEqualTo(2);
      }
      assertThat(millisSince(start)).isLessThan(CONNECT_TIMEOUT + MARGIN);
    }

    @Test
    void connectingOverPollingAnswersInOnePayload() {
      String sid = peers.openPolling(SOCKET);

      assertThat(peers.post(uri(SOCKET, polling(sid)), "40{\"token\":\"p\"}"))
          .isEqualTo(new Reply(200, "ok"));

      String[] packets = peers.get(uri(SOCKET, polling(sid))).body().split("\u001e");
      assertThat(packets).hasSize(2);
      assertThat(packets[0]).startsWith("40{\"sid\":");
      assertThat(packets[1]).isEqualTo("42[\"auth\",{\"token\":\"p\"}]");
    }
  }

  @Nested
  class Disconnect {

    @Test
    void leavingTheMainNamespaceKeepsTheEngineSession() {
      try (Peer peer = connected()) {
        peer.send("41");

        assertThat(peer.text()).as("the next frame is the heartbeat, not a close").isEqualTo("2");
        peer.send("3");
        // and the namespace may be joined again, with a new socket
        peer.send("40");
        assertThat(peer.textPacket()).startsWith("40{\"sid\":");
        assertThat(peer.textPacket()).isEqualTo("42[\"auth\",{}]");
      }
    }

    @Test
    void leavingACustomNamespaceLeavesTheMainOneConnected() {
      try (Peer peer = connected()) {
        peer.send("40/custom");
        assertThat(peer.textPacket()).startsWith("40/custom,");
        assertThat(peer.textPacket()).isEqualTo("42/custom,[\"auth\",{}]");

        peer.send("41/custom");
        peer.send("42[\"message\",\"message to main namespace\"]");

        assertThat(peer.textPacket())
            .isEqualTo("42[\"message-back\",\"message to main namespace\"]");
      }
    }

    @Test
    void anEventToANamespaceLeftClosesTheConnection() {
      try (Peer peer = connected()) {
        peer.send("41");
        peer.send("42[\"message\",\"too late\"]");

        peer.awaitClose();
      }
    }
  }

  @Nested
  class Events {

    @Test
    void anEventComesBackWithAllItsArguments() {
      try (Peer peer = connected()) {
        peer.send("42[\"message\",1,\"2\",{\"3\":[true]}]");

        assertThat(peer.textPacket()).isEqualTo("42[\"message-back\",1,\"2\",{\"3\":[true]}]");
      }
    }

    @Test
    void binaryAttachmentsComeBackAsPlaceholdersAndFrames() {
      try (Peer peer = connected()) {
        peer.send(
            "452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        peer.send((byte) 1, (byte) 2, (byte) 3);
        peer.send((byte) 4, (byte) 5, (byte) 6);

        assertThat(peer.textPacket())
            .isEqualTo(
                "452-[\"message-back\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        assertThat(peer.binaryPacket()).isEqualTo(Buffer.buffer(new byte[] {1, 2, 3}));
        assertThat(peer.binaryPacket()).isEqualTo(Buffer.buffer(new byte[] {4, 5, 6}));
      }
    }

    @Test
    void anEventWithAnAckIdIsAcknowledgedWithItsArguments() {
      try (Peer peer = connected()) {
        peer.send("42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");

        assertThat(peer.textPacket()).isEqualTo("43456[1,\"2\",{\"3\":[false]}]");
      }
    }

    @Test
    void aBinaryEventWithAnAckIdGetsABinaryAck() {
      try (Peer peer = connected()) {
        peer.send(
            "452-789[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        peer.send((byte) 1, (byte) 2, (byte) 3);
        peer.send((byte) 4, (byte) 5, (byte) 6);

        assertThat(peer.textPacket())
            .isEqualTo(
                "462-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        assertThat(peer.binaryPacket()).isEqualTo(Buffer.buffer(new byte[] {1, 2, 3}));
        assertThat(peer.binaryPacket()).isEqualTo(Buffer.buffer(new byte[] {4, 5, 6}));
      }
    }

    @Test
    void tenAttachmentsAreTheMost() {
      try (Peer peer = connected()) {
        peer.send("4510-" + placeholders("message", 10));
        for (int i = 0; i < 10; i++) {
          peer.send((byte) i);
        }

        assertThat(peer.textPacket()).isEqualTo("4510-" + placeholders("message-back", 10));
        for (int i = 0; i < 10; i++) {
          assertThat(peer.binaryPacket()).isEqualTo(Buffer.buffer(new byte[] {(byte) i}));
        }
      }
    }

    @Test
    void elevenAttachmentsCloseTheConnection() {
      try (Peer peer = connected()) {
        peer.send("4511-" + placeholders("message", 11));

        peer.awaitClose();
      }
    }

    @Test
    void binaryEventsTravelOverPollingToo() {
      String sid = peers.openPolling(SOCKET);
      peers.post(uri(SOCKET, polling(sid)), "40");
      assertThat(peers.get(uri(SOCKET, polling(sid))).body()).endsWith("\u001e42[\"auth\",{}]");

      String event =
          "452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]";
      assertThat(peers.post(uri(SOCKET, polling(sid)), event + "\u001ebAQID\u001ebBAUG"))
          .isEqualTo(new Reply(200, "ok"));

      assertThat(peers.get(uri(SOCKET, polling(sid))).body())
          .isEqualTo(
              "452-[\"message-back\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\u001ebAQID\u001ebBAUG");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "4abc", // unknown packet type
          "42{}", // an event's payload must be an array
          "42abc[\"message-with-ack\",1,\"2\",{\"3\":[false]}]", // not an ack id
          "42[]", // no event name
          "42[\"disconnect\"]", // a reserved event name
          "44{\"message\":\"from a client\"}", // CONNECT_ERROR is the server's
          "42/custom,[\"message\"]", // a namespace never joined
          "451-[\"message\"]\u0000", // garbage after the payload
        })
    void aMalformedPacketClosesTheConnection(String packet) {
      try (Peer peer = connected()) {
        peer.send(packet);

        peer.awaitClose();
      }
    }

    /**
     * socket.io-client sends CONNECT again when an app calls connect() on a socket whose CONNECT is
     * not answered yet; the reference server takes it, and so does the hub: the same socket is
     * answered again and the connection stays.
     */
    @Test
    void aSecondConnectToTheSameNamespaceIsAnsweredWithTheSameSocket() {
      try (Peer peer = peers.openWebSocket(SOCKET)) {
        peer.send("40");
        String first = peer.textPacket();
        assertThat(first).startsWith("40{\"sid\":");
        assertThat(peer.textPacket()).isEqualTo("42[\"auth\",{}]");

        peer.send("40");
        assertThat(peer.textPacket()).isEqualTo(first);

        peer.send("42[\"message\",\"still here\"]");
        assertThat(peer.textPacket()).isEqualTo("42[\"message-back\",\"still here\"]");
      }
    }

    @Test
    void aTextPacketWhileAttachmentsAreAwaitedClosesTheConnection() {
      try (Peer peer = connected()) {
        peer.send(
            "452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        peer.send((byte) 1);
        peer.send("42[\"message\",\"not an attachment\"]");

        peer.awaitClose();
      }
    }

    @Test
    void aBinaryFrameNobodyAnnouncedClosesTheConnection() {
      try (Peer peer = connected()) {
        peer.send((byte) 1, (byte) 2);

        peer.awaitClose();
      }
    }
  }

  // ---- helpers ----

  /** A websocket session connected to the main namespace, its {@code auth} event read. */
  private static Peer connected() {
    Peer peer = peers.openWebSocket(SOCKET);
    peer.send("40");
    assertThat(peer.textPacket()).startsWith("40{\"sid\":");
    assertThat(peer.textPacket()).isEqualTo("42[\"auth\",{}]");
    return peer;
  }

  private static String placeholders(String event, int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> "{\"_placeholder\":true,\"num\":" + i + "}")
        .collect(Collectors.joining(",", "[\"" + event + "\",", "]"));
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
