package dev.switchboard.mcp;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MCP server the supervisor runs for the host ({@code supervisor.processes.spawn}): in a process
 * group (or cgroup) of its own, its stderr in the supervisor's log pipeline, measured and listed on
 * {@code services.status} as {@code mcp:<key>}, like every managed process. The host speaks to it
 * through the two FIFOs the supervisor answers with:
 *
 * <ul>
 *   <li>stdin is opened read-write, so the open never waits and what is written before the server
 *       opens its end waits in the pipe; the server sees the end of its input when the host is gone
 *       (MCP's stdio shutdown);
 *   <li>stdout is read through a reader opened behind a "keeper" the host holds for writing, so the
 *       open never waits either; when the supervisor reports the exit the keeper is dropped, and
 *       the reader reads what the server wrote last, then the end.
 * </ul>
 *
 * The exit comes from {@code supervisor.processes.exited}; should the supervisor be gone, from the
 * pid itself. The {@link Spawner} uses the supervisor when one answers and, in {@code auto} mode,
 * falls back to {@link ChildProcess} for good when none is deployed (mcp-host alone).
 */
final class SupervisedProcess implements ServerProcess {

  private static final Logger LOG = LoggerFactory.getLogger(SupervisedProcess.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final Context context;
  private final String name;
  private final String instance;
  private final long pid;
  private final FileChannel stdin;
  private final RandomAccessFile keeper;
  private final InputStream stdout;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  private SupervisedProcess(
      Context context,
      String name,
      String instance,
      long pid,
      FileChannel stdin,
      RandomAccessFile keeper,
      InputStream stdout) {
    this.context = context;
    this.name = name;
    this.instance = instance;
    this.pid = pid;
    this.stdin = stdin;
    this.keeper = keeper;
    this.stdout = stdout;
  }

  /**
   * Starts the processes of instances through the supervisor; with {@code mode} {@code auto}, as
   * the host's own children once it turns out that no supervisor is deployed, {@code own} always,
   * and {@code supervisor} never.
   */
  static Spawner spawner(Context context, String mode) {
    return switch (mode) {
      case "own" -> ChildProcess.spawner(context);
      case "supervisor" -> new Supervised(context, false);
      case "auto" -> new Supervised(context, true);
      default ->
          throw new IllegalArgumentException(
              "MCP_PROCESSES (mcp.processes) must be auto, supervisor or own, not '" + mode + "'");
    };
  }

  /** Tells a supervisor that a new host knows none of the processes an earlier one had. */
  static Future<Void> releaseEarlier(Context context) {
    return Bus.request(
            context.owner(),
            Addresses.SUPERVISOR_PROCESSES_RELEASE,
            new JsonObject().put("owner", McpHostVerticle.NAME),
            REQUEST_TIMEOUT)
        .<Void>mapEmpty()
        .recover(failure -> Future.succeededFuture());
  }

  /** The supervisor's side: spawns, and routes the exits it publishes to their processes. */
  private static final class Supervised implements Spawner {

    private final Context context;
    private final Spawner fallback;
    private final Map<String, SupervisedProcess> byInstance = new HashMap<>();
    private MessageConsumer<JsonObject> exits;
    private boolean fallen;
    private boolean supervised;

    Supervised(Context context, boolean fallBack) {
      this.context = context;
      this.fallback = fallBack ? ChildProcess.spawner(context) : null;
    }

    @Override
    public Future<ServerProcess> spawn(InstanceKey key, McpServerDefinition definition) {
      if (fallen) {
        return fallback.spawn(key, definition);
      }
      if (exits == null) {
        exits =
            context
                .owner()
                .eventBus()
                .consumer(
                    Addresses.SUPERVISOR_PROCESSES_EXITED,
                    message -> {
                      SupervisedProcess process =
                          byInstance.remove(message.body().getString("instance"));
                      if (process != null) {
                        process.ended(message.body().getInteger("exitCode"));
                      }
                    });
      }
      JsonObject request =
          new JsonObject()
              .put("owner", McpHostVerticle.NAME)
              .put("kind", "mcp")
              .put("name", key.toString())
              .put("command", new JsonArray(definition.command()))
              .put("env", new JsonObject(Map.copyOf(definition.env())))
              .put(
                  "labels",
                  new JsonObject().put("server", key.server()).put("project", key.project()));
      if (definition.cwd() != null) {
        request.put("cwd", definition.cwd());
      }
      return exits
          .completion()
          .compose(
              registered ->
                  context
                      .owner()
                      .eventBus()
                      .<JsonObject>request(
                          Addresses.SUPERVISOR_PROCESSES_SPAWN,
                          request,
                          new DeliveryOptions().setSendTimeout(REQUEST_TIMEOUT.toMillis()))
                      .map(Message::body))
          .compose(
              spawned ->
                  context
                      .executeBlocking(() -> open(context, spawned), false)
                      .onFailure(
                          failure ->
                              Bus.request(
                                  context.owner(),
                                  Addresses.SUPERVISOR_PROCESSES_STOP,
                                  new JsonObject()
                                      .put("name", spawned.getString("name"))
                                      .put("instance", spawned.getString("instance")),
                                  REQUEST_TIMEOUT)))
          .map(
              process -> {
                supervised = true;
                byInstance.put(process.instance, process);
                // the supervisor gone, its exit event never comes: the pid says it then (and a
                // process already gone, whose event came before it was known here, at once)
                ProcessHandle.of(process.pid)
                    .<CompletableFuture<?>>map(ProcessHandle::onExit)
                    .orElse(CompletableFuture.completedFuture(null))
                    // back on the host's context (byInstance is its alone), with 2 s for the
                    // supervisor's own word, which carries the exit code
                    .thenRun(
                        () ->
                            context.runOnContext(
                                v ->
                                    context
                                        .owner()
                                        .setTimer(
                                            2000,
                                            id -> {
                                              if (byInstance.remove(process.instance) != null) {
                                                process.ended(null);
                                              }
                                            })));
                return (ServerProcess) process;
              })
          .recover(
              failure -> {
                // decided once: a supervisor that answered before and is gone now (stopping) does
                // not turn the host into one
                if (fallback != null && !supervised && noSupervisor(failure)) {
                  fallen = true;
                  LOG.info(
                      "no supervisor on the event bus: MCP servers run as the host's own child"
                          + " processes (not in process groups, their stderr in this log)");
                  return fallback.spawn(key, definition);
                }
                return Future.failedFuture(
                    noSupervisor(failure)
                        ? new IllegalStateException(
                            supervised
                                ? "the supervisor is not running"
                                : "no supervisor runs (mcp.processes: supervisor)")
                        : failure instanceof ReplyException
                            ? Bus.toApiException(Addresses.SUPERVISOR_PROCESSES_SPAWN, failure)
                            : failure);
              });
    }

    private static boolean noSupervisor(Throwable failure) {
      return failure instanceof ReplyException reply
          && reply.failureType() == ReplyFailure.NO_HANDLERS;
    }
  }

  /** Opens the host's ends of the FIFOs. Blocking, but never waits for the server. */
  private static SupervisedProcess open(Context context, JsonObject spawned) throws IOException {
    Path stdinPath = Path.of(spawned.getString("stdin"));
    Path stdoutPath = Path.of(spawned.getString("stdout"));
    FileChannel stdin =
        FileChannel.open(stdinPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
    RandomAccessFile keeper = null;
    try {
      keeper = new RandomAccessFile(stdoutPath.toFile(), "rw");
      // a stream, not a channel: its available() is the pipe's (FIONREAD), so a reader of lines
      // returns each line as it comes instead of waiting for a full buffer
      InputStream stdout = new FileInputStream(stdoutPath.toFile());
      return new SupervisedProcess(
          context,
          spawned.getString("name"),
          spawned.getString("instance"),
          spawned.getLong("pid"),
          stdin,
          keeper,
          stdout);
    } catch (IOException e) {
      stdin.close();
      if (keeper != null) {
        keeper.close();
      }
      throw e;
    }
  }

  /** The process is gone: the reader gets the rest and then the end; the writer is closed. */
  private void ended(Integer code) {
    close(keeper);
    close(stdin);
    exit.complete(code);
  }

  private static void close(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // closing is all we wanted
    }
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public OutputStream stdin() {
    return Channels.newOutputStream(stdin);
  }

  @Override
  public InputStream stdout() {
    return stdout;
  }

  @Override
  public InputStream stderr() {
    return null;
  }

  @Override
  public CompletableFuture<Integer> onExit() {
    return exit;
  }

  @Override
  public void destroy() {
    Bus.request(
            context.owner(),
            Addresses.SUPERVISOR_PROCESSES_STOP,
            new JsonObject().put("name", name).put("instance", instance),
            REQUEST_TIMEOUT)
        .onFailure(
            failure -> {
              if (!exit.isDone()) {
                // the supervisor is gone: end it here
                ProcessHandle.of(pid)
                    .ifPresent(
                        handle -> {
                          handle.descendants().forEach(ProcessHandle::destroyForcibly);
                          handle.destroyForcibly();
                        });
              }
            });
  }

  @Override
  public String supervisedAs() {
    return name;
  }
}
