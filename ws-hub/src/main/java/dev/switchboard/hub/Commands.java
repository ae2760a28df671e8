package dev.switchboard.hub;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * What every namespace's client commands share: reading a field of their argument, and answering
 * through the acknowledgement with {@code {ok:true, ...}} or {@code {ok:false, error:{code,
 * message}}}.
 */
final class Commands {

  /** A service, deployment or watch id: letters, digits, '.', '_' or '-', up to 128 characters. */
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /**
   * A log source of {@code /services}: a service's name ({@link #ID}), or a process the supervisor
   * hosts for another service, {@code <kind>:<name>[:<project>]} ({@code mcp:everything:alpha}).
   */
  static final Pattern LOG_SOURCE =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}(?::[A-Za-z0-9._-]{1,128}){0,2}");

  private Commands() {}

  /** The named string field of the first argument, when it matches; null otherwise. */
  static String field(JsonArray args, String name, Pattern valid) {
    if (args.isEmpty() || !(args.getValue(0) instanceof JsonObject object)) {
      return null;
    }
    Object value = object.getValue(name);
    return value instanceof String text && valid.matcher(text).matches() ? text : null;
  }

  static void ok(Socket.Ack ack, JsonObject result) {
    if (ack != null) {
      ack.send(result.copy().put("ok", true));
    }
  }

  static void fail(Socket.Ack ack, AckError error, String message) {
    if (ack != null) {
      ack.send(Socket.error(error.code(), message));
    }
  }

  /**
   * A failed event-bus request as the client should see it; an absent service is {@code
   * unavailable}.
   */
  static void failFrom(Socket.Ack ack, Throwable err) {
    ApiException api = err instanceof ApiException e ? e : ApiException.internal(err);
    AckError error =
        switch (api.type()) {
          case UNAVAILABLE -> AckError.UNAVAILABLE;
          case TIMEOUT -> AckError.TIMEOUT;
          case BAD_REQUEST -> AckError.BAD_REQUEST;
          case NOT_FOUND -> AckError.NOT_FOUND;
          case CONFLICT -> AckError.CONFLICT;
          case TOO_MANY_REQUESTS -> AckError.TOO_MANY_REQUESTS;
          case FORBIDDEN, UNAUTHORIZED -> AckError.FORBIDDEN;
          default -> AckError.INTERNAL;
        };
    fail(ack, error, api.type() == ErrorType.INTERNAL ? "internal error" : api.getMessage());
  }
}
