package dev.switchboard.mcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * What every kind of {@link Instance} keeps the same way: its key and definition, its state and the
 * reason for it, the {@code ready} promise, the times and exit the host reads, the host's ids for
 * its requests, and the restart's wait in {@code backoff}. A subclass starts, sends and ends.
 * Everything runs on {@code context}.
 */
abstract class BaseInstance implements Instance {

  protected final InstanceKey key;
  protected final McpServerDefinition definition;
  protected final Context context;
  protected final HostMeters meters;
  protected final Consumer<JsonObject> inbound;
  protected final Consumer<Instance> ended;
  protected final Promise<JsonObject> ready = Promise.promise();
  protected State state = State.STARTING;
  protected String reason;
  protected Instant startedAt;
  protected Instant readyAt;
  protected Integer exitCode;
  protected long timer = -1;
  protected long delayTimer = -1;
  protected long lastActivity = System.currentTimeMillis();
  private long nextId = 1;

  BaseInstance(
      InstanceKey key,
      McpServerDefinition definition,
      Context context,
      HostMeters meters,
      Consumer<JsonObject> inbound,
      Consumer<Instance> ended) {
    this.key = key;
    this.definition = definition;
    this.context = context;
    this.meters = meters;
    this.inbound = inbound;
    this.ended = ended;
  }

  @Override
  public InstanceKey key() {
    return key;
  }

  @Override
  public McpServerDefinition definition() {
    return definition;
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public String reason() {
    return reason;
  }

  @Override
  public Future<JsonObject> ready() {
    return ready.future();
  }

  @Override
  public Integer exitCode() {
    return exitCode;
  }

  @Override
  public Instant readyAt() {
    return readyAt;
  }

  @Override
  public long lastActivity() {
    return lastActivity;
  }

  @Override
  public void touch() {
    lastActivity = System.currentTimeMillis();
  }

  @Override
  public long nextId() {
    return nextId++;
  }

  @Override
  public void startAfter(Duration delay, String why) {
    state = State.BACKOFF;
    reason = why;
    delayTimer =
        context
            .owner()
            .setTimer(
                Math.max(1, delay.toMillis()),
                id -> {
                  if (state == State.BACKOFF) {
                    state = State.STARTING;
                    reason = null;
                    start();
                  }
                });
  }

  /**
   * A message from the server: while starting, only the answer to the host's {@code initialize}
   * counts (anything before it, logging say, is of no session's concern); once ready, every message
   * goes to the host.
   */
  protected final void fromServer(JsonObject message) {
    lastActivity = System.currentTimeMillis();
    if (state == State.STARTING) {
      Object id = message.getValue("id");
      if (id instanceof Number n && n.longValue() == INIT_ID && !message.containsKey("method")) {
        initializeAnswered(message);
      }
      return;
    }
    if (state == State.READY) {
      inbound.accept(message);
    }
  }

  private void initializeAnswered(JsonObject answer) {
    JsonObject result = answer.getJsonObject("result");
    if (result == null) {
      JsonObject error = answer.getJsonObject("error", new JsonObject());
      refused("answered initialize with an error: " + error.getString("message", error.encode()));
      return;
    }
    context.owner().cancelTimer(timer);
    state = State.READY;
    readyAt = Instant.now();
    send(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
    initialized(result);
    ready.tryComplete(result);
  }

  /** The server answered {@code initialize} with an error: the instance fails with {@code why}. */
  protected abstract void refused(String why);

  /** The server is initialized (its result is {@code result}): what this kind does then. */
  protected abstract void initialized(JsonObject result);
}
