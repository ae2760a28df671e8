package dev.switchboard.mcp;

import io.vertx.core.Future;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A running stdio MCP server as its {@link StdioInstance} sees it: the pipes it speaks JSON-RPC
 * over, its pid, its end. Started by the supervisor ({@link SupervisedProcess}), or by the host
 * itself where no supervisor runs ({@link ChildProcess}).
 */
interface ServerProcess {

  /** Starts the process of an instance. */
  interface Spawner {

    /** Starts the server of {@code definition} for {@code key}; fails with why it did not start. */
    Future<ServerProcess> spawn(InstanceKey key, McpServerDefinition definition);
  }

  long pid();

  /** Its stdin: one JSON-RPC message a line. Written on one thread of the instance's own. */
  OutputStream stdin();

  /** Its stdout: one JSON-RPC message a line; ends when the process has. */
  InputStream stdout();

  /** Its stderr, when the host reads it itself; null when the supervisor logs it. */
  InputStream stderr();

  /** Completes with its exit code (128 + n for signal n; null when not known) once it ended. */
  CompletableFuture<Integer> onExit();

  /** Ends it and everything it started: TERM, then KILL after a grace period. */
  void destroy();

  /** What the supervisor lists it as ({@code mcp:<key>}), or null when the host runs it. */
  String supervisedAs();
}
