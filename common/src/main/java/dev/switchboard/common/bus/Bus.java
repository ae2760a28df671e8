package dev.switchboard.common.bus;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests and replies on the event bus. Failure codes are HTTP status codes, so a failure crosses
 * the bus and the gateway unchanged: a consumer fails a request with the {@link ApiException} it
 * met, and the requester gets the same exception back.
 */
public final class Bus {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(Bus.class);

  private Bus() {}

  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body) {
    return request(vertx, address, body, DEFAULT_TIMEOUT);
  }

  public static Future<JsonObject> request(
      Vertx vertx, String address, JsonObject body, Duration timeout) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    return vertx
        .eventBus()
        .<JsonObject>request(address, body, options)
        .map(Message::body)
        .recover(err -> Future.failedFuture(toApiException(address, err)));
  }

  /**
   * Serves requests on {@code address}: each body goes to {@code handler}, and its outcome is the
   * reply. The returned future completes once the consumer is registered (cluster-wide when
   * clustered).
   */
  public static Future<Void> serve(
      Vertx vertx, String address, Function<JsonObject, Future<JsonObject>> handler) {
    return vertx
        .eventBus()
        .<JsonObject>consumer(
            address, message -> reply(message, () -> handler.apply(message.body())))
        .completion();
  }

  /**
   * Answers a request with the outcome of {@code work}: its body, or a failure with a status code.
   * An exception thrown by {@code work} itself (bad input found while parsing) fails the request
   * too.
   */
  private static <T> void reply(Message<T> message, Supplier<Future<JsonObject>> work) {
    Future<JsonObject> outcome;
    try {
      outcome = work.get();
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    outcome
        .onSuccess(message::reply)
        .onFailure(
            err -> {
              ApiException api = err instanceof ApiException e ? e : ApiException.internal(err);
              // a 503 or 504 says what is missing (the database, say) in its message: no trace for
              // it
              if (api.status() == 500) {
                LOG.warn("request to {} failed", message.address(), err);
              }
              message.fail(api.status(), api.wireMessage());
            });
  }

  /** The failure of a request to {@code address} as the API shows it (404, 503, 504, ...). */
  public static ApiException toApiException(String address, Throwable err) {
    if (!(err instanceof ReplyException reply)) {
      return ApiException.internal(err);
    }
    return switch (reply.failureType()) {
      case NO_HANDLERS ->
          ApiException.unavailable("no service answers " + address + "; is it running?");
      case TIMEOUT -> ApiException.timeout(address + " did not answer in time");
      default -> ApiException.fromStatus(reply.failureCode(), reply.getMessage());
    };
  }
}
