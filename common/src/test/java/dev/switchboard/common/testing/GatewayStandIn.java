package dev.switchboard.common.testing;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * The gateway's side of the token contract on the event bus, for a service tested without a
 * gateway: the answers to {@code auth.verify} and the revocations on {@code auth.revoked}, as the
 * gateway sends them.
 */
public final class GatewayStandIn {

  private GatewayStandIn() {}

  /**
   * Answers {@code auth.verify} with {@code answer} of the token ({@code {name, role, origin?,
   * session?, expiresAt?}}), or fails it 401 ("unknown token") where that is null; listening once
   * this returns.
   */
  public static MessageConsumer<JsonObject> verifying(
      Vertx vertx, Function<String, JsonObject> answer) {
    MessageConsumer<JsonObject> consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.AUTH_VERIFY,
                msg -> {
                  JsonObject found = answer.apply(msg.body().getString("token"));
                  if (found == null) {
                    msg.fail(401, "unknown token");
                  } else {
                    msg.reply(found);
                  }
                });
    consumer.completion().await();
    return consumer;
  }

  /** An answer: {@code name} with {@code role}, ended by a revocation naming {@code origin}. */
  public static JsonObject caller(String name, String role, String origin) {
    return new JsonObject().put("name", name).put("role", role).put("origin", origin);
  }

  /**
   * Publishes the revocation of {@code token}, naming {@code origin} (a named token's {@code
   * token:<id>}, or a signed-out session's {@code session:<sid>}), as the gateway does.
   */
  public static void revoke(Vertx vertx, String token, String origin) {
    vertx
        .eventBus()
        .publish(
            Addresses.AUTH_REVOKED,
            new JsonObject().put("key", Authenticator.key(token)).put("origin", origin));
  }
}
