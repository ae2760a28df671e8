package dev.switchboard.mcp;

import dev.switchboard.common.config.Durations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session of the host, as an MCP client, with a remote server speaking Streamable HTTP (MCP
 * 2025-06-18; 2025-03-26 servers too): the host's {@code initialize} is POSTed once, the server's
 * {@code Mcp-Session-Id} kept and sent with every later request, each message is one POST whose
 * answer is JSON or an SSE stream, and the GET stream is opened for the server's own messages when
 * the server offers one ({@code 405}: none). The definition's {@code headers} go with every request
 * and are never logged.
 *
 * <p>A server that cannot be reached, drops a connection, answers {@code 404} for the session (it
 * expired, or the server restarted), or answers with something that is not JSON-RPC is
 * <em>lost</em>: the instance ends with the reason and {@link #exitCode()} 1, so the host restarts
 * it (a new session, initialized again) under the definition's restart policy, as it does a crashed
 * stdio process. Each instance has its own HTTP client: one remote failing affects no other server.
 * Everything runs on the host's context (the client's callbacks run on the context that made the
 * request); nothing blocks.
 */
final class RemoteInstance extends BaseInstance {

  private static final Logger LOG = LoggerFactory.getLogger(RemoteInstance.class);
  static final String SESSION = "Mcp-Session-Id";

  /** The largest JSON body or SSE event taken from a remote server. */
  static final int LARGEST_MESSAGE = 16 * 1024 * 1024;

  /** Connections to one remote server at once (each request answered by SSE holds one). */
  static final int CONNECTIONS = 64;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** Attempts in a row to resume a broken SSE stream with {@code Last-Event-ID}. */
  static final int RESUMPTIONS = 3;

  /** The wait before a resumption, unless the stream said otherwise ({@code retry:}), bounded. */
  private static final long RESUME_AFTER_MS = 250;

  private static final long RESUME_AFTER_MAX_MS = 5000;

  private HttpClient http;
  private boolean connected;
  private String sessionId;
  private String protocolVersion;
  private boolean streamOpen;
  private int streamOpenFailures;
  private long garbageMessages;

  RemoteInstance(
      InstanceKey key,
      McpServerDefinition definition,
      Context context,
      HostMeters meters,
      Consumer<JsonObject> inbound,
      Consumer<Instance> ended) {
    super(key, definition, context, meters, inbound, ended);
  }

  @Override
  public void start() {
    startedAt = Instant.now();
    http =
        context
            .owner()
            .createHttpClient(
                new HttpClientOptions()
                    .setKeepAlive(true)
                    .setConnectTimeout((int) CONNECT_TIMEOUT.toMillis()),
                new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    timer =
        context
            .owner()
            .setTimer(
                definition.startTimeout().toMillis(),
                id ->
                    fail(
                        "did not answer initialize within "
                            + Durations.format(definition.startTimeout()),
                        null));
    send(Instance.initialize());
  }

  private RequestOptions options(HttpMethod method) {
    RequestOptions options =
        new RequestOptions().setMethod(method).setAbsoluteURI(definition.url().toString());
    definition.headers().forEach(options::putHeader);
    if (sessionId != null) {
      options.putHeader(SESSION, sessionId);
    }
    if (protocolVersion != null) {
      options.putHeader("MCP-Protocol-Version", protocolVersion);
    }
    return options;
  }

  /** POSTs one message; a request's answer (JSON or an SSE stream) comes back to the host. */
  @Override
  public void send(JsonObject message) {
    lastActivity = System.currentTimeMillis();
    if (http == null || (state != State.READY && state != State.STARTING)) {
      return;
    }
    HttpClient client = http;
    Object id = message.getValue("id");
    boolean request = id != null && message.containsKey("method");
    boolean initialize = request && "initialize".equals(message.getString("method"));
    RequestOptions options =
        options(HttpMethod.POST)
            .putHeader("Content-Type", "application/json")
            .putHeader("Accept", "application/json, text/event-stream");
    client
        .request(options)
        .compose(req -> req.send(message.toBuffer()))
        .onComplete(
            sent -> {
              if (client != http) {
                return; // ended meanwhile
              }
              if (sent.failed()) {
                lose("cannot reach the remote MCP server: " + message(sent.cause()));
                return;
              }
              answered(sent.result(), request ? id : null, initialize);
            });
  }

  /** The answer to a POST: {@code id} is the request's (null for a notification or a response). */
  private void answered(HttpClientResponse response, Object id, boolean initialize) {
    int status = response.statusCode();
    String header = response.getHeader("Content-Type");
    String type = header == null ? "" : header.toLowerCase(Locale.ROOT);
    if (initialize && status / 100 == 2) {
      sessionId = response.getHeader(SESSION);
      if (!connected) {
        connected = true;
        meters.started(key.server());
      }
    }
    if (status == 404 && sessionId != null) {
      response.end();
      lose("the remote MCP server ended its session (HTTP 404): initialize again");
      return;
    }
    if (status / 100 == 2 && type.startsWith("text/event-stream")) {
      boolean[] answered = {id == null};
      new SseReader(
          response,
          message -> {
            if (id instanceof Number asked
                && message.getValue("id") instanceof Number got
                && asked.longValue() == got.longValue()
                && !message.containsKey("method")) {
              answered[0] = true;
            }
          },
          () -> answered[0],
          () -> {
            if (!answered[0] && state == State.READY) {
              inbound.accept(
                  Host.error(
                      id,
                      -32603,
                      "the remote MCP server ended the stream of this request without answering"
                          + " it"));
            }
          });
      return;
    }
    collect(response)
        .onSuccess(
            body -> {
              if (status / 100 == 2 && (body.length() == 0 || id == null)) {
                if (id != null) {
                  lose("the remote MCP server answered a request with an empty body");
                }
                return;
              }
              Object parsed = parse(body);
              if (status / 100 == 2 && parsed == null) {
                lose(
                    "the remote MCP server answered with something that is not JSON-RPC ("
                        + status
                        + ", "
                        + (type.isEmpty() ? "no content type" : type)
                        + "): "
                        + shown(body.toString(StandardCharsets.UTF_8)));
                return;
              }
              if (parsed != null) {
                messages(parsed);
                return;
              }
              // an HTTP error without a JSON-RPC answer
              String why =
                  "the remote MCP server answered HTTP "
                      + status
                      + (body.length() == 0
                          ? ""
                          : ": " + shown(body.toString(StandardCharsets.UTF_8)));
              if (initialize || state == State.STARTING) {
                lose(why);
              } else {
                inbound.accept(Host.error(id, -32603, why));
              }
            })
        .onFailure(err -> lose(message(err)));
  }

  private void messages(Object parsed) {
    if (parsed instanceof JsonArray batch) {
      for (Object one : batch) {
        if (one instanceof JsonObject message) {
          fromServer(message);
        }
      }
    } else {
      fromServer((JsonObject) parsed);
    }
  }

  /** A JSON-RPC message or batch, or null when it is neither. */
  private static Object parse(Buffer body) {
    try {
      Object value = io.vertx.core.json.Json.decodeValue(body);
      if (value instanceof JsonObject object && "2.0".equals(object.getValue("jsonrpc"))) {
        return object;
      }
      if (value instanceof JsonArray array
          && !array.isEmpty()
          && array.stream()
              .allMatch(o -> o instanceof JsonObject m && "2.0".equals(m.getValue("jsonrpc")))) {
        return array;
      }
    } catch (DecodeException | ClassCastException e) {
      // not JSON
    }
    return null;
  }

  @Override
  protected void refused(String why) {
    fail(why, null);
  }

  @Override
  protected void initialized(JsonObject result) {
    protocolVersion = result.getString("protocolVersion", PROTOCOL_VERSION);
    LOG.info("MCP server {} (remote) initialized (protocol {})", key, protocolVersion);
    openStream(true);
  }

  /**
   * The GET stream of the server's own messages: none when the server answers {@code 405} (or, the
   * first time, any other refusal); when an open stream ends, it is opened again. A connection that
   * fails is tried again after 250 ms, up to {@link #RESUMPTIONS} times in a row (a network fault
   * that cut the stream may still be cutting, and a pooled connection the fault closed may not be
   * known as closed yet); a server that cannot be reached then is lost.
   */
  private void openStream(boolean first) {
    HttpClient client = http;
    client
        .request(options(HttpMethod.GET).putHeader("Accept", "text/event-stream"))
        .compose(HttpClientRequest::send)
        .onComplete(
            opened -> {
              if (client != http || state != State.READY) {
                if (opened.succeeded()) {
                  opened.result().request().reset();
                }
                return;
              }
              if (opened.failed()) {
                if (streamOpenFailures++ < RESUMPTIONS) {
                  LOG.info(
                      "MCP server {} (remote): opening its stream failed ({}), trying again",
                      key,
                      message(opened.cause()));
                  context
                      .owner()
                      .setTimer(
                          RESUME_AFTER_MS,
                          id -> {
                            if (client == http && state == State.READY) {
                              openStream(first);
                            }
                          });
                } else {
                  lose("lost the remote MCP server: " + message(opened.cause()));
                }
                return;
              }
              streamOpenFailures = 0;
              HttpClientResponse response = opened.result();
              int status = response.statusCode();
              String type = response.getHeader("Content-Type");
              if (status / 100 == 2
                  && type != null
                  && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
                streamOpen = true;
                new SseReader(
                    response,
                    message -> {},
                    () -> true,
                    () -> {
                      streamOpen = false;
                      if (client == http && state == State.READY) {
                        openStream(false);
                      }
                    },
                    true);
                return;
              }
              response.end();
              if (status == 404) {
                lose("the remote MCP server ended its session (HTTP 404): initialize again");
              } else if (!first && status != 405) {
                lose(
                    "the remote MCP server refused to open its stream again (HTTP " + status + ")");
              } else if (status != 405) {
                LOG.info("MCP server {} (remote) offers no GET stream (HTTP {})", key, status);
              }
            });
  }

  /**
   * Reads one SSE stream: each {@code message} event's data is a JSON-RPC message for the host
   * ({@code seen} sees it first); other events and comments are skipped; {@code done} runs once the
   * stream ended cleanly. An event over {@link #LARGEST_MESSAGE} or data that is not JSON-RPC lose
   * the server. A connection that breaks after an event with an id is resumed: a {@code GET} with
   * {@code Last-Event-ID} (the specification's resumption, which the server replays the rest of the
   * stream on), after the stream's {@code retry:} or 250 ms, up to {@link #RESUMPTIONS} times in a
   * row; a stream without ids, or a resumption refused, loses the server. So does a {@code request}
   * stream that ends without its answer and with ids: it is resumed the same way, as the
   * specification lets a server close it early.
   */
  private final class SseReader {
    private final Consumer<JsonObject> seen;
    private final Runnable done;
    private final BooleanSupplier complete;
    private final boolean standalone;
    private final HttpClient client = http;
    private Buffer pending = Buffer.buffer();
    private final StringBuilder data = new StringBuilder();
    private String event;
    private String idField;
    private String lastEventId;
    private long retryMs = RESUME_AFTER_MS;
    private int resumptions;
    private HttpClientResponse current;

    /**
     * {@code complete}: whether the stream gave what it was opened for (a request's answer), so
     * that its end needs no resumption; always true for the GET stream.
     */
    SseReader(
        HttpClientResponse response,
        Consumer<JsonObject> seen,
        BooleanSupplier complete,
        Runnable done) {
      this(response, seen, complete, done, false);
    }

    /** {@code standalone}: the GET stream, opened afresh when it breaks before any event id. */
    SseReader(
        HttpClientResponse response,
        Consumer<JsonObject> seen,
        BooleanSupplier complete,
        Runnable done,
        boolean standalone) {
      this.seen = seen;
      this.complete = complete;
      this.done = done;
      this.standalone = standalone;
      attach(response);
    }

    private void attach(HttpClientResponse response) {
      current = response;
      pending = Buffer.buffer();
      data.setLength(0);
      event = null;
      idField = null;
      response.handler(chunk -> chunk(response, chunk));
      response.exceptionHandler(
          err -> {
            if (client == http && current == response) {
              broken("lost the remote MCP server mid-stream: " + message(err));
            }
          });
      response.endHandler(
          v -> {
            if (client != http || current != response) {
              return;
            }
            if (!complete.getAsBoolean() && lastEventId != null) {
              broken("the remote MCP server ended a request's stream before its answer");
            } else {
              done.run();
            }
          });
    }

    /** Resumes the stream after its last event, or loses the server saying {@code why}. */
    private void broken(String why) {
      if (lastEventId == null && standalone && state == State.READY) {
        // nothing to resume from: the stream is opened again (a server that is gone loses then)
        current = null;
        done.run();
        return;
      }
      if (lastEventId == null || resumptions >= RESUMPTIONS || state != State.READY) {
        lose(why + (lastEventId == null ? "" : " (resumed " + resumptions + " times)"));
        return;
      }
      resumptions++;
      current = null;
      String after = lastEventId;
      context
          .owner()
          .setTimer(
              Math.min(RESUME_AFTER_MAX_MS, Math.max(1, retryMs)),
              id -> {
                if (client != http || state != State.READY) {
                  return;
                }
                client
                    .request(
                        options(HttpMethod.GET)
                            .putHeader("Accept", "text/event-stream")
                            .putHeader("Last-Event-ID", after))
                    .compose(HttpClientRequest::send)
                    .onComplete(
                        resumed -> {
                          if (client != http || state != State.READY) {
                            if (resumed.succeeded()) {
                              resumed.result().request().reset();
                            }
                            return;
                          }
                          if (resumed.failed()) {
                            broken(why);
                            return;
                          }
                          HttpClientResponse response = resumed.result();
                          String type = response.getHeader("Content-Type");
                          if (response.statusCode() / 100 == 2
                              && type != null
                              && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
                            LOG.info(
                                "MCP server {} (remote): stream resumed after event {}",
                                key,
                                after);
                            meters.resumed(key.server());
                            attach(response);
                            return;
                          }
                          response.end();
                          lose(
                              why
                                  + "; resuming it after event "
                                  + after
                                  + " was refused (HTTP "
                                  + response.statusCode()
                                  + ")");
                        });
              });
    }

    private void chunk(HttpClientResponse from, Buffer chunk) {
      if (client != http || current != from) {
        return;
      }
      pending.appendBuffer(chunk);
      int start = 0;
      for (int i = 0; i < pending.length(); i++) {
        if (pending.getByte(i) == '\n') {
          int end = i > start && pending.getByte(i - 1) == '\r' ? i - 1 : i;
          line(pending.getString(start, end, "UTF-8"));
          start = i + 1;
          if (client != http || current != from) {
            return;
          }
        }
      }
      pending = pending.getBuffer(start, pending.length());
      if (pending.length() + data.length() > LARGEST_MESSAGE) {
        lose("the remote MCP server sent an event larger than 16 MiB");
      }
    }

    private void line(String line) {
      if (line.isEmpty()) {
        dispatch();
      } else if (line.startsWith("data:")) {
        data.append(data.isEmpty() ? "" : "\n").append(field(line, 5));
      } else if (line.startsWith("event:")) {
        event = field(line, 6);
      } else if (line.startsWith("id:")) {
        String id = field(line, 3);
        // an id with NUL is ignored (the SSE specification)
        idField = id.indexOf('\0') >= 0 ? idField : id;
      } else if (line.startsWith("retry:")) {
        String ms = field(line, 6);
        if (!ms.isEmpty() && ms.length() < 10 && ms.chars().allMatch(Character::isDigit)) {
          retryMs = Long.parseLong(ms);
        }
      }
      // comments are skipped
    }

    private String field(String line, int from) {
      return line.startsWith(" ", from) ? line.substring(from + 1) : line.substring(from);
    }

    private void dispatch() {
      String text = data.toString();
      String type = event;
      if (idField != null) {
        lastEventId = idField.isEmpty() ? null : idField;
        idField = null;
      }
      data.setLength(0);
      event = null;
      if (text.isEmpty() || (type != null && !type.equals("message"))) {
        return;
      }
      // an event got through: the next break is a new one
      resumptions = 0;
      Object parsed = parse(Buffer.buffer(text));
      if (parsed == null) {
        lose("the remote MCP server sent an event that is not JSON-RPC: " + shown(text));
        return;
      }
      if (parsed instanceof JsonObject message) {
        seen.accept(message);
      }
      messages(parsed);
    }
  }

  /** A body of at most {@link #LARGEST_MESSAGE} bytes. */
  private Future<Buffer> collect(HttpClientResponse response) {
    Promise<Buffer> body = Promise.promise();
    Buffer collected = Buffer.buffer();
    response.handler(
        chunk -> {
          if (collected.length() + chunk.length() > LARGEST_MESSAGE) {
            body.tryFail(
                new IllegalStateException("the remote MCP server sent a body larger than 16 MiB"));
            response.request().reset();
          } else {
            collected.appendBuffer(chunk);
          }
        });
    response.exceptionHandler(
        err ->
            body.tryFail(new IllegalStateException("lost the remote MCP server: " + message(err))));
    response.endHandler(v -> body.tryComplete(collected));
    return body.future();
  }

  private static String shown(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  private static String message(Throwable err) {
    return err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
  }

  /**
   * The server is gone or unusable: a start fails, a ready instance ends as a stdio process that
   * exited would (code 1), for the host to restart under the definition's policy.
   */
  private void lose(String why) {
    if (state == State.STARTING) {
      garbageIf(why);
      fail(why, 1);
    } else if (state == State.READY) {
      garbageIf(why);
      exitCode = 1;
      state = State.STOPPED;
      reason = why;
      LOG.warn("MCP server {} (remote): {}", key, why);
      close(false);
      finish();
    }
  }

  private void garbageIf(String why) {
    if (why.contains("not JSON-RPC")) {
      garbageMessages++;
      meters.garbage(key.server());
    }
  }

  private void fail(String why, Integer code) {
    if (state == State.STARTING) {
      exitCode = code;
    }
    end(State.FAILED, why);
  }

  @Override
  public void stop(String why) {
    end(State.STOPPED, why);
  }

  private void end(State ending, String why) {
    if (state == State.FAILED || state == State.STOPPED) {
      return;
    }
    boolean wasReady = state == State.READY;
    state = ending;
    reason = why;
    if (ending == State.FAILED) {
      LOG.warn("MCP server {} (remote) failed: {}", key, why);
    } else {
      LOG.info("MCP server {} (remote) stopped: {}", key, why);
    }
    ready.tryFail(
        new IllegalStateException(
            "MCP server " + key + " " + (ending == State.FAILED ? why : "stopped: " + why)));
    close(wasReady && ending == State.STOPPED);
    finish();
  }

  /**
   * Closes the HTTP client, after a {@code DELETE} of the session when {@code politely} (a stop of
   * a ready instance: the server may free it at once).
   */
  private void close(boolean politely) {
    HttpClient client = http;
    http = null;
    streamOpen = false;
    if (client == null) {
      return;
    }
    if (!politely || sessionId == null) {
      client.close();
      return;
    }
    RequestOptions delete = new RequestOptions().setMethod(HttpMethod.DELETE);
    delete.setAbsoluteURI(definition.url().toString()).setTimeout(3000);
    definition.headers().forEach(delete::putHeader);
    delete.putHeader(SESSION, sessionId);
    if (protocolVersion != null) {
      delete.putHeader("MCP-Protocol-Version", protocolVersion);
    }
    client
        .request(delete)
        .compose(HttpClientRequest::send)
        .compose(HttpClientResponse::end)
        .onComplete(done -> client.close());
  }

  private void finish() {
    context.owner().cancelTimer(timer);
    context.owner().cancelTimer(delayTimer);
    if (connected) {
      connected = false;
      meters.ended(key.server());
    }
    ended.accept(this);
  }

  @Override
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject().put("project", key.project()).put("state", state.name().toLowerCase());
    if (reason != null) {
      json.put("reason", reason);
    }
    if (startedAt != null) {
      json.put("startedAt", startedAt.toString());
    }
    return json.put("remoteStream", streamOpen).put("garbageMessages", garbageMessages);
  }
}
