package dev.switchboard.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RequestBodyTest {

  private static final int SIZE = 24 << 20;

  /** What a reader of one body saw. */
  private record Read(String sha256, long bytes, int lent, int delivered, long bytesRead) {}

  /**
   * Reads each body through {@link RequestBody}: hashes every chunk before the handler returns (as
   * a lent chunk must be used), and pauses for 20 ms after every 40th chunk, so that chunks arrive
   * while it is paused and go through Vert.x's queue.
   */
  private static void read(Vertx vertx, HttpServerRequest request) {
    RequestBody body = RequestBody.of(request);
    MessageDigest digest = sha256();
    int[] counts = new int[2];
    long[] bytes = new long[1];
    body.handler(
        chunk -> {
          digest.update(chunk.getBytes());
          bytes[0] += chunk.length();
          counts[body.lending() ? 0 : 1]++;
          if ((counts[0] + counts[1]) % 40 == 0) {
            body.pause();
            vertx.setTimer(20, t -> body.resume());
          }
        });
    body.endHandler(
        end ->
            request
                .response()
                .end(
                    HexFormat.of().formatHex(digest.digest())
                        + " "
                        + bytes[0]
                        + " "
                        + counts[0]
                        + " "
                        + counts[1]
                        + " "
                        + request.bytesRead()));
    body.resume();
  }

  private static HttpServer server(Vertx vertx, HttpServer server) {
    return server.requestHandler(request -> read(vertx, request)).listen(0, "127.0.0.1").await();
  }

  private static Future<Read> send(HttpClient client, int port, byte[] body) {
    return client
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI("/upload"))
        .compose(request -> request.send(Buffer.buffer(body)))
        .compose(response -> response.body())
        .map(
            answer -> {
              String[] words = answer.toString().split(" ");
              return new Read(
                  words[0],
                  Long.parseLong(words[1]),
                  Integer.parseInt(words[2]),
                  Integer.parseInt(words[3]),
                  Long.parseLong(words[4]));
            });
  }

  private static byte[] randomBytes(long seed) {
    byte[] bytes = new byte[SIZE];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void aBodyComesWholeAndInOrderWithMostChunksLentAndThoseThatArriveWhilePausedNot(Vertx vertx) {
    HttpServer server = server(vertx, HttpServers.takingUploads(vertx));
    // one connection for both requests: the second body follows the first on it
    HttpClient client =
        vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(1));
    try {
      for (long seed = 1; seed <= 2; seed++) {
        byte[] sent = randomBytes(seed);
        Read read = send(client, server.actualPort(), sent).await();
        assertThat(read.bytes()).isEqualTo(SIZE);
        assertThat(read.bytesRead())
            .as("the request's bytes, as Vert.x counts them")
            .isEqualTo(SIZE);
        assertThat(read.sha256()).isEqualTo(HexFormat.of().formatHex(sha256().digest(sent)));
        assertThat(read.lent()).as("chunks lent, request %d", seed).isGreaterThan(0);
        assertThat(read.delivered())
            .as("chunks that came through Vert.x while the reader was paused, request %d", seed)
            .isGreaterThan(0);
      }
    } finally {
      client.close().await();
      server.close().await();
    }
  }

  @Test
  void onAServerWithoutTheTapEveryChunkComesThroughVertx(Vertx vertx) {
    HttpServer server = server(vertx, vertx.createHttpServer(HttpServers.uploadOptions()));
    HttpClient client = vertx.createHttpClient();
    try {
      byte[] sent = randomBytes(3);
      Read read = send(client, server.actualPort(), sent).await();
      assertThat(read.sha256()).isEqualTo(HexFormat.of().formatHex(sha256().digest(sent)));
      assertThat(read.lent()).isZero();
    } finally {
      client.close().await();
      server.close().await();
    }
  }

  @Test
  void aBodyReadWithoutRequestBodyOnATappedServerComesThroughVertxWhole(Vertx vertx) {
    Promise<String> seen = Promise.promise();
    HttpServer server =
        HttpServers.takingUploads(vertx)
            .requestHandler(
                request ->
                    request
                        .body()
                        .onSuccess(
                            body -> {
                              seen.tryComplete(
                                  HexFormat.of().formatHex(sha256().digest(body.getBytes())));
                              request.response().end("0 0 0 0 0");
                            }))
            .listen(0, "127.0.0.1")
            .await();
    HttpClient client = vertx.createHttpClient();
    try {
      byte[] sent = randomBytes(4);
      send(client, server.actualPort(), sent).await();
      assertThat(seen.future().await()).isEqualTo(HexFormat.of().formatHex(sha256().digest(sent)));
    } finally {
      client.close().await();
      server.close().await();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
