package dev.switchboard.mcp;

import io.vertx.core.Context;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * An MCP server the host runs as its own child ({@link ProcessBuilder}), where no supervisor runs
 * (mcp-host alone, or {@code mcp.processes: own}): a stop destroys the process's descendants first,
 * then the process, and kills what is left after three seconds.
 */
final class ChildProcess implements ServerProcess {

  private static final long KILL_AFTER_MS = 3000;

  private final Process process;
  private final Context context;

  private ChildProcess(Process process, Context context) {
    this.process = process;
    this.context = context;
  }

  /** Forks on a worker, off the event loop; the failure is the fork's (program not found, ...). */
  static Spawner spawner(Context context) {
    return (key, definition) -> {
      ProcessBuilder builder = new ProcessBuilder(definition.command());
      if (definition.cwd() != null) {
        builder.directory(new File(definition.cwd()));
      }
      builder.environment().putAll(definition.env());
      return context
          .executeBlocking(builder::start, false)
          .map(process -> (ServerProcess) new ChildProcess(process, context));
    };
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public OutputStream stdin() {
    return process.getOutputStream();
  }

  @Override
  public InputStream stdout() {
    return process.getInputStream();
  }

  @Override
  public InputStream stderr() {
    return process.getErrorStream();
  }

  @Override
  public CompletableFuture<Integer> onExit() {
    return process.onExit().thenApply(Process::exitValue);
  }

  @Override
  public void destroy() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    context
        .owner()
        .setTimer(
            KILL_AFTER_MS,
            id -> {
              process.descendants().forEach(ProcessHandle::destroyForcibly);
              process.destroyForcibly();
            });
  }

  @Override
  public String supervisedAs() {
    return null;
  }
}
