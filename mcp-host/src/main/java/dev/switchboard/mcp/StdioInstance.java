package dev.switchboard.mcp;

import io.vertx.core.Context;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running MCP server process: its stdin and stdout carry JSON-RPC, one message a line; its
 * stderr is logged line by line (and counted). The host initializes it once ({@code initialize}
 * then {@code notifications/initialized}); {@link #ready()} completes with the server's negotiated
 * result, or fails with the reason it never got there (no answer within the start timeout, an exit,
 * an error answer). Every message from the server after that goes to the {@code inbound} consumer,
 * on the host's context.
 *
 * <p>Processes are started with {@link ProcessBuilder}, not as the supervisor's process groups (its
 * launch code is tied to its managed-service state machine and FIFOs); a stop destroys the
 * process's descendants first, then the process, and kills what is left after a grace period.
 * Everything but the blocking pipe reads and writes (threads of their own) runs on {@code context}.
 */
final class StdioInstance extends BaseInstance {

  private static final Logger LOG = LoggerFactory.getLogger(StdioInstance.class);
  private static final int STDERR_KEPT = 20;
  private static final int LONGEST_LINE = 16 * 1024 * 1024;

  private final Deque<String> lastStderr = new ArrayDeque<>();
  private final ExecutorService writer;
  private Process process;
  private OutputStream stdin;
  private long garbageLines;
  private long stderrLines;

  StdioInstance(
      InstanceKey key,
      McpServerDefinition definition,
      Context context,
      HostMeters meters,
      Consumer<JsonObject> inbound,
      Consumer<Instance> ended) {
    super(key, definition, context, meters, inbound, ended);
    this.writer =
        Executors.newSingleThreadExecutor(
            work -> {
              Thread thread = new Thread(work, "mcp-stdin-" + key);
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Starts the process (the fork and exec on a worker thread, off the event loop) and sends {@code
   * initialize}; on the host's context. The start timeout runs from here.
   */
  @Override
  public void start() {
    ProcessBuilder builder = new ProcessBuilder(definition.command());
    if (definition.cwd() != null) {
      builder.directory(new File(definition.cwd()));
    }
    builder.environment().putAll(definition.env());
    timer =
        context
            .owner()
            .setTimer(
                definition.startTimeout().toMillis(),
                id ->
                    fail(
                        "did not answer initialize within "
                            + dev.switchboard.common.config.Durations.format(
                                definition.startTimeout())));
    context
        .executeBlocking(builder::start, false)
        .onComplete(
            spawned -> {
              if (spawned.failed()) {
                fail(
                    "cannot start "
                        + definition.command().get(0)
                        + ": "
                        + spawned.cause().getMessage());
              } else if (state != State.STARTING) {
                // stopped or failed while it was being spawned
                spawned.result().descendants().forEach(ProcessHandle::destroyForcibly);
                spawned.result().destroyForcibly();
              } else {
                started(spawned.result());
              }
            });
  }

  private void started(Process started) {
    process = started;
    startedAt = Instant.now();
    stdin = process.getOutputStream();
    meters.started(key.server());
    LOG.info("MCP server {} started (pid {})", key, process.pid());
    reader("mcp-stdout-" + key, started.getInputStream(), this::onLine);
    reader("mcp-stderr-" + key, started.getErrorStream(), this::onStderr);
    started.onExit().thenAccept(exited -> context.runOnContext(v -> onExit(exited.exitValue())));
    send(Instance.initialize());
  }

  /** Writes one message to the server's stdin, in order, off the event loop. */
  @Override
  public void send(JsonObject message) {
    lastActivity = System.currentTimeMillis();
    if (stdin == null || state == State.STOPPED || state == State.FAILED) {
      return;
    }
    byte[] line = (message.encode() + "\n").getBytes(StandardCharsets.UTF_8);
    OutputStream out = stdin;
    try {
      writer.execute(
          () -> {
            try {
              out.write(line);
              out.flush();
            } catch (IOException e) {
              // the process is gone: its exit is reported by onExit
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      // stopped meanwhile
    }
  }

  private void reader(String name, java.io.InputStream stream, Consumer<String> onLine) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  String read =
                      line.length() > LONGEST_LINE ? line.substring(0, LONGEST_LINE) : line;
                  context.runOnContext(v -> onLine.accept(read));
                }
              } catch (IOException e) {
                // closed: the exit is reported by onExit
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
  }

  private void onLine(String line) {
    if (line.isBlank()) {
      return;
    }
    JsonObject message;
    try {
      message = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      garbage(line);
      return;
    }
    if (!"2.0".equals(message.getValue("jsonrpc"))) {
      garbage(line);
      return;
    }
    fromServer(message);
  }

  @Override
  protected void refused(String why) {
    fail(why);
  }

  @Override
  protected void initialized(JsonObject result) {
    LOG.info("MCP server {} initialized (protocol {})", key, result.getString("protocolVersion"));
  }

  private void garbage(String line) {
    garbageLines++;
    meters.garbage(key.server());
    String shown = line.length() > 200 ? line.substring(0, 200) + "..." : line;
    LOG.warn("MCP server {} wrote a line on stdout that is not JSON-RPC (ignored): {}", key, shown);
  }

  private void onStderr(String line) {
    stderrLines++;
    meters.stderr(key.server());
    if (lastStderr.size() == STDERR_KEPT) {
      lastStderr.removeFirst();
    }
    lastStderr.addLast(line);
    LOG.info("[mcp {}] {}", key, line.length() > 2000 ? line.substring(0, 2000) + "..." : line);
  }

  private void onExit(int code) {
    if (state == State.STARTING || state == State.READY) {
      exitCode = code;
    }
    if (state == State.STARTING) {
      String tail = lastStderr.isEmpty() ? "" : " (stderr: " + lastStderr.peekLast() + ")";
      fail("exited with code " + code + " before answering initialize" + tail);
      return;
    }
    if (state == State.READY) {
      state = State.STOPPED;
      reason = "exited with code " + code;
      LOG.warn("MCP server {} exited with code {}", key, code);
      finish();
    }
  }

  private void fail(String why) {
    end(State.FAILED, why);
  }

  /** Stops the process (idle, definition changed or removed, host stopping). */
  @Override
  public void stop(String why) {
    end(State.STOPPED, why);
  }

  /**
   * Ends the instance once, {@code FAILED} or {@code STOPPED}: its process and what waits on it.
   */
  private void end(State ending, String why) {
    if (state == State.FAILED || state == State.STOPPED) {
      return;
    }
    state = ending;
    reason = why;
    String what = ending == State.FAILED ? why : "stopped: " + why;
    if (ending == State.FAILED) {
      LOG.warn("MCP server {} failed: {}", key, why);
    } else {
      LOG.info("MCP server {} {}", key, what);
    }
    ready.tryFail(new IllegalStateException("MCP server " + key + " " + what));
    destroy();
    finish();
  }

  private void finish() {
    context.owner().cancelTimer(timer);
    context.owner().cancelTimer(delayTimer);
    writer.shutdown();
    if (process != null) {
      meters.ended(key.server());
    }
    ended.accept(this);
  }

  private void destroy() {
    Process running = process;
    if (running == null) {
      return;
    }
    running.descendants().forEach(ProcessHandle::destroy);
    running.destroy();
    context
        .owner()
        .setTimer(
            3000,
            id -> {
              running.descendants().forEach(ProcessHandle::destroyForcibly);
              running.destroyForcibly();
            });
  }

  @Override
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject().put("project", key.project()).put("state", state.name().toLowerCase());
    if (reason != null) {
      json.put("reason", reason);
    }
    if (process != null) {
      json.put("pid", process.pid());
    }
    if (startedAt != null) {
      json.put("startedAt", startedAt.toString());
    }
    return json.put("stdoutGarbageLines", garbageLines).put("stderrLines", stderrLines);
  }
}
