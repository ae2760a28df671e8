package dev.switchboard.mcp;

import static dev.switchboard.mcp.McpFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code notifications/resources/updated} goes only to the sessions subscribed to the URI; the
 * server hears of a URI once per instance. The real server-everything sends an update of every
 * subscribed URI every 10 s, and asks the subscribing client for sampling when a subscription
 * reaches it (so a sampling request shows which subscribes reached the server).
 */
class SubscriptionTest {

  private static final String URI = "test://static/resource/1";

  private McpFixture fixture;
  private final List<McpSyncClient> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(McpSyncClient::closeGracefully);
    if (fixture != null) {
      fixture.close();
    }
  }

  /** A Java SDK client with sampling, counting its updates of {@link #URI} and its samplings. */
  private McpSyncClient client(AtomicInteger updates, AtomicInteger samplings) {
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + fixture.port)
            .endpoint("/mcp/everything")
            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + TOKEN))
            .build();
    McpSyncClient client =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(30))
            .capabilities(McpSchema.ClientCapabilities.builder().sampling().build())
            .sampling(
                asked -> {
                  samplings.incrementAndGet();
                  return McpSchema.CreateMessageResult.builder()
                      .role(McpSchema.Role.ASSISTANT)
                      .content(new McpSchema.TextContent("ok"))
                      .model("test-model")
                      .build();
                })
            .resourcesUpdateConsumer(
                contents -> {
                  if (contents.stream().anyMatch(c -> URI.equals(c.uri()))) {
                    updates.incrementAndGet();
                  }
                })
            .build();
    client.initialize();
    clients.add(client);
    return client;
  }

  @Test
  void updatesGoOnlyToTheSubscribedSessionsAndTheServerHearsOfAUriOnce() {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    AtomicInteger updatesA = new AtomicInteger();
    AtomicInteger samplingsA = new AtomicInteger();
    AtomicInteger updatesB = new AtomicInteger();
    AtomicInteger samplingsB = new AtomicInteger();
    McpSyncClient a = client(updatesA, samplingsA);
    McpSyncClient b = client(updatesB, samplingsB);

    a.subscribeResource(new McpSchema.SubscribeRequest(URI));
    assertThat(samplingsA).as("the server heard of A's subscription").hasValue(1);
    Eventually.within(Duration.ofSeconds(25))
        .untilAsserted(() -> assertThat(updatesA.get()).isGreaterThanOrEqualTo(1));
    // B, on the same instance but not subscribed, got none of them
    assertThat(updatesB).hasValue(0);

    b.subscribeResource(new McpSchema.SubscribeRequest(URI));
    // answered by the host: the server, subscribed already, never heard of it (no sampling)
    assertThat(samplingsB).hasValue(0);
    // server-everything sends its updates every 10 s: one more period, not two, for the rest
    a.unsubscribeResource(new McpSchema.UnsubscribeRequest(URI));
    int aAfter = updatesA.get();
    int bAfter = updatesB.get();
    // the server still sends the updates (B is subscribed): B gets them, A no more
    Eventually.within(Duration.ofSeconds(25))
        .untilAsserted(() -> assertThat(updatesB.get()).isGreaterThan(bAfter));
    assertThat(updatesA).hasValue(aAfter);
  }
}
