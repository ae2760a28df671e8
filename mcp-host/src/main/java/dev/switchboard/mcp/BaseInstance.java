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
}
