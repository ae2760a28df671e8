package dev.switchboard.mcp;

import dev.switchboard.common.auth.Caller;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the {@link Host} tells of each finished {@code tools/call}, made into a {@link
 * CallStore.Call}: the caller the session's transport established (a credential's name and role,
 * never a token or a header), the transport, server, project and tool, when it started and how long
 * it took, its outcome ({@code ok}, {@code error} for a JSON-RPC error, {@code tool_error} for a
 * result with {@code isError}, {@code cancelled}, {@code crashed}, {@code refused} by the server's
 * {@code allowedTools}) with the JSON-RPC error code, and its arguments only when the server's
 * definition says {@code auditArguments}, cut to {@link #MAX_ARGUMENTS} characters with a marker.
 */
final class CallAudit implements Host.CallListener {

  /** The longest arguments kept whole, as encoded JSON. */
  static final int MAX_ARGUMENTS = 4096;

  private final CallStore store;
  private final Function<String, Optional<McpServerDefinition>> definitions;
  private final Clock clock;

  CallAudit(
      CallStore store, Function<String, Optional<McpServerDefinition>> definitions, Clock clock) {
    this.store = store;
    this.definitions = definitions;
    this.clock = clock;
  }

  @Override
  public void toolCall(
      Session session,
      Caller caller,
      JsonObject request,
      String outcome,
      JsonObject answer,
      Duration took) {
    JsonObject params =
        request.getValue("params") instanceof JsonObject given ? given : new JsonObject();
    String tool = params.getValue("name") instanceof String name ? name : "";
    JsonObject error = answer == null ? null : answer.getJsonObject("error");
    Integer code =
        error != null && error.getValue("code") instanceof Number n ? n.intValue() : null;
    boolean keepArguments =
        definitions
            .apply(session.key.server())
            .map(McpServerDefinition::auditArguments)
            .orElse(false);
    store.record(
        new CallStore.Call(
            clock.instant().minus(took),
            took,
            caller == null ? null : caller.actor(),
            caller == null ? null : caller.role().label(),
            session.via,
            session.key.server(),
            session.key.project(),
            tool,
            outcome(outcome, answer),
            code,
            keepArguments ? arguments(params.getValue("arguments")) : null));
  }

  /** The host's meter outcome made finer: a tool's own error is told from a JSON-RPC error. */
  static String outcome(String meterOutcome, JsonObject answer) {
    return switch (meterOutcome) {
      case "crash" -> "crashed";
      case "error" -> {
        JsonObject result = answer == null ? null : answer.getJsonObject("result");
        yield result != null && result.getBoolean("isError", false) ? "tool_error" : "error";
      }
      default -> meterOutcome;
    };
  }

  /**
   * The arguments as stored: the object itself when its JSON is at most {@link #MAX_ARGUMENTS}
   * characters, else {@code {"truncated": true, "length": <characters>, "prefix": "<the first
   * MAX_ARGUMENTS characters>"}}.
   */
  static JsonObject arguments(Object given) {
    if (given == null) {
      return null;
    }
    String encoded = io.vertx.core.json.Json.encode(given);
    if (encoded.length() <= MAX_ARGUMENTS && given instanceof JsonObject object) {
      return object.copy();
    }
    if (encoded.length() <= MAX_ARGUMENTS) {
      return new JsonObject().put("value", given);
    }
    return new JsonObject()
        .put("truncated", true)
        .put("length", encoded.length())
        .put("prefix", encoded.substring(0, MAX_ARGUMENTS));
  }
}
