package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.GatewayStandIn;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A session's event stream (Streamable HTTP's GET) opened with a named token ends when the admin
 * revokes the token; one opened with a sign-in JWT, also when its session is signed out. The
 * gateway answers who a named token is over the event bus and names what would revoke it (a
 * stand-in here, since the contract is the bus message).
 */
@Timeout(90)
class RevokedStreamTest {

  private static final String NAMED = "sbt_" + "s".repeat(43);
  private static final String ORIGIN = "token:6f1c2d4e-0000-4000-8000-000000000005";

  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** Bug: the stream stayed open, keep-alive after keep-alive, after the token was revoked. */
  @Test
  void aRevokedNamedTokensStreamEnds() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    GatewayStandIn.verifying(
        fixture.vertx, token -> GatewayStandIn.caller("ci", "operator", ORIGIN));
    CompletableFuture<String> whole = stream(NAMED);

    GatewayStandIn.revoke(fixture.vertx, NAMED, ORIGIN);

    assertThat(whole.get(30, TimeUnit.SECONDS)).as("the stream ended").contains(": stream open");
  }

  /** Bug: a stream opened with a sign-in JWT stayed open after its session was signed out. */
  @Test
  void aSignedOutSessionsStreamEnds() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJvbmUifQ.b25l";
    GatewayStandIn.verifying(
        fixture.vertx,
        token -> GatewayStandIn.caller("ci", "operator", ORIGIN).put("session", "session:one"));
    CompletableFuture<String> whole = stream(jwt);

    GatewayStandIn.revoke(fixture.vertx, jwt, "session:one");

    assertThat(whole.get(30, TimeUnit.SECONDS)).as("the stream ended").contains(": stream open");
  }

  /** A session's event stream opened with {@code bearer}: all of it, once it ends. */
  private CompletableFuture<String> stream(String bearer) throws Exception {
    String session = fixture.session("everything");
    HttpResponse<InputStream> stream =
        McpFixture.HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + fixture.port + "/mcp/everything"))
                .header("Authorization", "Bearer " + bearer)
                .header("Accept", "text/event-stream")
                .header(StreamableHttp.SESSION, session)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(stream.body().readAllBytes(), StandardCharsets.UTF_8);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }
}
