package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hub's control events go to the gateway's audit log ({@link Addresses#AUDIT_RECORD}) as the
 * npm socket.io-client sends them: who (the token's actor and role), what, on which service, from
 * which address, and the outcome: {@code ok}, {@code refused} for a role that may not, {@code
 * failed} with the reason. Events that only read are not recorded.
 */
@Timeout(60)
class HubAuditTest extends HubClientTest {

  private final List<JsonObject> recorded = new CopyOnWriteArrayList<>();

  @BeforeEach
  void gateway() {
    hub.vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.AUDIT_RECORD, message -> recorded.add(message.body()))
        .completion()
        .await();
    hub.supervisorStartsServices();
    hub.supervisorAnswers(
        Addresses.SUPERVISOR_SERVICES_STOP,
        message -> message.fail(404, "no service " + message.body().getString("name")));
  }

  @Test
  void aSocketsControlIsAuditedWithItsOutcome() {
    node.connected("o", "/services", HubFixture.OPERATOR_TOKEN, Transport.WEBSOCKET.opts());
    node.connected("v", "/services", HubFixture.VIEWER_TOKEN, Transport.WEBSOCKET.opts());
    node.connected("a", "/", HubFixture.ADMIN_TOKEN, Transport.WEBSOCKET.opts());

    assertThat(
            node.ackOf("o", "services:start", new JsonObject().put("name", "web")).getBoolean("ok"))
        .isTrue();
    JsonObject ok = awaitEntry(1);
    assertThat(ok.getString("actor")).isEqualTo("operator");
    assertThat(ok.getString("role")).isEqualTo("operator");
    assertThat(ok.getString("action")).isEqualTo("service.start");
    assertThat(ok.getString("target")).isEqualTo("web");
    assertThat(ok.getString("outcome")).isEqualTo("ok");
    assertThat(ok.getString("detail")).isNull();
    assertThat(ok.getString("address")).isEqualTo("127.0.0.1");
    assertThat(Instant.parse(ok.getString("at")))
        .isBetween(Instant.now().minusSeconds(30), Instant.now());

    node.ackOf("v", "services:start", new JsonObject().put("name", "web"));
    JsonObject refused = awaitEntry(2);
    assertThat(refused.getString("actor")).isEqualTo("viewer");
    assertThat(refused.getString("outcome")).isEqualTo("refused");
    assertThat(refused.getString("detail"))
        .isEqualTo("services:start: the viewer role may not operate");

    // the main namespace, as seed 000's client uses it, with the bare name
    node.ackOf("a", "services:stop", "api");
    JsonObject failed = awaitEntry(3);
    assertThat(failed.getString("actor")).isEqualTo("admin");
    assertThat(failed.getString("action")).isEqualTo("service.stop");
    assertThat(failed.getString("target")).isEqualTo("api");
    assertThat(failed.getString("outcome")).isEqualTo("failed");
    assertThat(failed.getString("detail")).isEqualTo("no service api");

    // a read is no control action
    node.ackOf("o", "subscribe:logs", new JsonObject().put("serviceId", "web"));
    node.ackOf("o", "services:start", new JsonObject().put("name", "../bad name"));
    JsonObject invalid = awaitEntry(4);
    assertThat(invalid.getString("target")).isNull();
    assertThat(invalid.getString("outcome")).isEqualTo("failed");
    assertThat(recorded).hasSize(4);
    assertThat(new JsonArray(recorded).encode())
        .doesNotContain(HubFixture.OPERATOR_TOKEN, HubFixture.ADMIN_TOKEN, HubFixture.VIEWER_TOKEN);
  }

  private JsonObject awaitEntry(int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (recorded.size() < count && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    assertThat(recorded).hasSizeGreaterThanOrEqualTo(count);
    return recorded.get(count - 1);
  }
}
