package dev.switchboard.mcp;

import io.vertx.core.Context;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
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
 * <p>The process is the supervisor's ({@link SupervisedProcess}: a process group or cgroup of its
 * own, stderr in the supervisor's log, listed and measured with the managed services), or the
 * host's own child where no supervisor runs ({@link ChildProcess}: stderr read here). Everything
 * but the blocking pipe reads and writes (threads of their own) runs on {@code context}.
 */
final class StdioInstance extends BaseInstance {

  private static final Logger LOG = LoggerFactory.getLogger(StdioInstance.class);
  private static final int STDERR_KEPT = 20;
  private static final int LONGEST_LINE = 16 * 1024 * 1024;

  private final Deque<String> lastStderr = new ArrayDeque<>();
  private final ExecutorService writer;
  private final ServerProcess.Spawner spawner;
  private ServerProcess process;
  private OutputStream stdin;
  private long garbageLines;
  private long stderrLines;

  StdioInstance(
      InstanceKey key,
      McpServerDefinition definition,
      Context context,
      HostMeters meters,
      Consumer<JsonObject> inbound,
      Consumer<Instance> ended,
      ServerProcess.Spawner spawner) {
    super(key, definition, context, meters, inbound, ended);
    this.spawner = spawner;
    this.writer =
        Executors.newSingleThreadExecutor(
            work -> {
              Thread thread = new Thread(work, "mcp-stdin-" + key);
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Starts the process (never on the event loop) and sends {@code initialize}; on the host's
   * context. The start timeout runs from here.
   */
  @Override
  public void start() {
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
    spawner
        .spawn(key, definition)
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
                spawned.result().destroy();
              } else {
                started(spawned.result());
              }
            });
  }

  private void started(ServerProcess started) {
    process = started;
    startedAt = Instant.now();
    stdin = process.stdin();
    meters.started(key.server());
    LOG.info(
        "MCP server {} started (pid {}{})",
        key,
        process.pid(),
        process.supervisedAs() == null
            ? ""
            : ", run by the supervisor as " + process.supervisedAs());
    reader("mcp-stdout-" + key, started.stdout(), this::onLine);
    if (started.stderr() != null) {
      reader("mcp-stderr-" + key, started.stderr(), this::onStderr);
    }
    started.onExit().thenAccept(code -> context.runOnContext(v -> onExit(code)));
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

  /** {@code code}: null when not known (the supervisor went away); counted as a crash. */
  private void onExit(Integer code) {
    int exited = code == null ? -1 : code;
    String how = code == null ? "exited (exit code unknown)" : "exited with code " + code;
    if (state == State.STARTING || state == State.READY) {
      exitCode = exited;
    }
    if (state == State.STARTING) {
      String tail =
          !lastStderr.isEmpty()
              ? " (stderr: " + lastStderr.peekLast() + ")"
              : process.supervisedAs() != null
                  ? " (its stderr is in the log of " + process.supervisedAs() + ")"
                  : "";
      fail(how + " before answering initialize" + tail);
      return;
    }
    if (state == State.READY) {
      state = State.STOPPED;
      reason = how;
      LOG.warn("MCP server {} {}", key, how);
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
    if (process != null) {
      process.destroy();
    }
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
      if (process.supervisedAs() != null) {
        json.put("supervisedAs", process.supervisedAs());
      }
    }
    if (startedAt != null) {
      json.put("startedAt", startedAt.toString());
    }
    return json.put("stdoutGarbageLines", garbageLines).put("stderrLines", stderrLines);
  }
}
