package dev.switchboard.mcp;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;

/**
 * One MCP server the host is a client of, for one key: a stdio process ({@link StdioInstance}) or a
 * session with a remote Streamable HTTP server ({@link RemoteInstance}). The host initializes it
 * once; {@link #ready()} completes with the server's negotiated result, or fails with the reason it
 * never got there. Every message from the server after that goes to the host's {@code inbound}
 * consumer, on the host's context, and the instance tells the host once when it ended. Everything
 * runs on the host's context.
 */
interface Instance {

  enum State {
    BACKOFF,
    STARTING,
    READY,
    FAILED,
    STOPPED
  }

  String PROTOCOL_VERSION = "2025-06-18";

  /** The id of the host's own {@code initialize}; the host's ids for client requests start at 1. */
  long INIT_ID = 0;

  /**
   * The host's own {@code initialize}, the same for every kind of instance. It declares sampling
   * and elicitation: the host passes those requests of the server on to a client that declared them
   * ({@link Host}); not roots, which belong to each client of an instance many share.
   */
  static JsonObject initialize() {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", INIT_ID)
        .put("method", "initialize")
        .put(
            "params",
            new JsonObject()
                .put("protocolVersion", PROTOCOL_VERSION)
                .put(
                    "capabilities",
                    new JsonObject()
                        .put("sampling", new JsonObject())
                        .put("elicitation", new JsonObject()))
                .put(
                    "clientInfo",
                    new JsonObject().put("name", "switchboard-mcp-host").put("version", "0.1.0")));
  }

  InstanceKey key();

  McpServerDefinition definition();

  State state();

  String reason();

  Future<JsonObject> ready();

  /**
   * How it ended by itself, for the restart policy: a process's exit code; for a remote server, 1
   * when it was lost (down, refused, its session ended, garbage). Null when it was stopped or never
   * got going for a reason a restart would not cure (a start timeout).
   */
  Integer exitCode();

  /** When it answered initialize, or null. */
  Instant readyAt();

  /** When a message last went either way (the idle timeout runs from it). */
  long lastActivity();

  /**
   * Counts as activity: a client's message the host answered itself (a new session's initialize).
   */
  void touch();

  /** A restart: waits {@code delay} in state {@code backoff} (said in {@code why}), then starts. */
  void startAfter(Duration delay, String why);

  /** The next id of the host's own for a request to the server. */
  long nextId();

  /** Starts it and sends {@code initialize}; the start timeout runs from here. */
  void start();

  /** Sends one message to the server, in order. */
  void send(JsonObject message);

  /** Stops it (idle, definition changed or removed, host stopping). */
  void stop(String why);

  /** What the API shows of it. */
  JsonObject toJson();
}
