package dev.switchboard.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class HttpServersTest {

  /** The largest chunk of a 4 MiB body that a server with {@code options} hands its handler. */
  private static int largestChunk(Vertx vertx, HttpServerOptions options) {
    AtomicInteger largest = new AtomicInteger();
    HttpServer server =
        vertx
            .createHttpServer(options)
            .requestHandler(
                request ->
                    request
                        .handler(chunk -> largest.accumulateAndGet(chunk.length(), Math::max))
                        .endHandler(end -> request.response().end()))
            .listen(0, "127.0.0.1")
            .await();
    // held: Vert.x 5 closes a client nothing references any more
    HttpClient client = vertx.createHttpClient();
    try {
      client
          .request(
              new RequestOptions()
                  .setMethod(HttpMethod.POST)
                  .setHost("127.0.0.1")
                  .setPort(server.actualPort())
                  .setURI("/upload"))
          .compose(request -> request.send(Buffer.buffer(new byte[4 << 20])))
          .await();
      return largest.get();
    } finally {
      client.close().await();
      server.close().await();
    }
  }

  @Test
  void aServerTakingUploadsHandsTheBodyOnInPiecesAsLargeAsTheyAreRead(Vertx vertx) {
    int largest = largestChunk(vertx, HttpServers.uploadOptions());
    assertThat(largest)
        .as("Vert.x's default would cut every piece to 8 KiB")
        .isGreaterThan(new HttpServerOptions().getMaxChunkSize())
        .isLessThanOrEqualTo(HttpServers.UPLOAD_CHUNK);
  }
}
