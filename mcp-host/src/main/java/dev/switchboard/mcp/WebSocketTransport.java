package dev.switchboard.mcp;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.Revocations;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The plain WebSocket JSON-RPC transport of seed 003 at {@code /ws/mcp/{server}}: the first message
 * is an {@code initialize}, whose {@code project} (or {@code ?project=}, or the {@code Mcp-Project}
 * header) picks the pooled instance; then MCP JSON-RPC messages both ways, one per text message.
 * The connection is one session of the {@link Host}: its requests are multiplexed onto the instance
 * like any session's, and what the instance sends for every session, with the progress of its
 * requests, comes on the socket. While it is open the instance does not idle; once it closes the
 * instance stops after its idle timeout, so a client that comes back sooner finds it warm. The
 * credential and the Origin are checked before the upgrade (by the router), and at most {@code
 * maxConnections} are open at once. A connection made with a named token, or a sign-in JWT bought
 * with one, is closed (1008) when the token is revoked ({@code auth.revoked}); one made with a
 * sign-in JWT, also when its session is signed out.
 */
final class WebSocketTransport {

  /** The largest message taken (the HTTP server's {@code maxWebSocketMessageSize}). */
  static final int MAX_MESSAGE = 1024 * 1024;

  private final Host host;
  private final int maxConnections;
  private final Authenticator authenticator;
  private final Revocations revocations;
  private int open;

  WebSocketTransport(
      Host host, int maxConnections, Authenticator authenticator, Revocations revocations) {
    this.host = host;
    this.maxConnections = maxConnections;
    this.authenticator = authenticator;
    this.revocations = revocations;
  }

  int open() {
    return open;
  }

  void mount(Router router) {
    router.get("/ws/mcp/:server").handler(this::upgrade);
  }

  private void upgrade(RoutingContext ctx) {
    if (open >= maxConnections) {
      ctx.fail(
          new ApiException(
              ErrorType.TOO_MANY_REQUESTS,
              "the MCP host holds "
                  + maxConnections
                  + " WebSocket connections (MCP_MAX_WEBSOCKETS); try again later",
              null));
      return;
    }
    String server = ctx.pathParam("server");
    String project = ctx.queryParams().get("project");
    if (project == null) {
      project = ctx.request().getHeader(StreamableHttp.PROJECT);
    }
    String fallbackProject = project;
    Caller caller = BearerAuth.callerIfKnown(ctx).orElse(null);
    List<String> revocation =
        BearerAuth.token(ctx, false).map(authenticator::revocationTags).orElse(List.of());
    ctx.request()
        .toWebSocket()
        .onSuccess(
            ws -> {
              open++;
              new Connection(ws, server, fallbackProject, caller, revocation);
            })
        .onFailure(ctx::fail);
  }

  /** One connection: its session once initialized. */
  private final class Connection implements Session.Outlet {
    private final ServerWebSocket ws;
    private final String server;
    private final String fallbackProject;
    private final Caller caller;
    // forgets this connection in the revocations, once it closed
    private final Runnable unrevocable;
    private Session session;
    private boolean opening;
    private boolean closed;

    Connection(
        ServerWebSocket ws,
        String server,
        String fallbackProject,
        Caller caller,
        List<String> revocation) {
      this.ws = ws;
      this.server = server;
      this.fallbackProject = fallbackProject;
      this.caller = caller;
      this.unrevocable = revocations.add(revocation, this::revoke);
      ws.textMessageHandler(this::received);
      ws.binaryMessageHandler(
          binary -> send(Host.error(null, -32600, "send JSON-RPC messages as text messages")));
      ws.exceptionHandler(err -> ws.close());
      ws.closeHandler(v -> closed());
    }

    /** The socket closed, from either side: its session goes. */
    private void closed() {
      closed = true;
      open--;
      if (session != null) {
        host.close(session);
      }
      unrevocable.run();
    }

    /**
     * The credential it was opened with was revoked, or its session signed out: closed with 1008
     * (policy violation).
     */
    private void revoke() {
      if (!closed && !ws.isClosed()) {
        ws.close((short) 1008, "the token was revoked or its session signed out");
      }
    }

    private void received(String text) {
      JsonObject message;
      try {
        Object parsed = io.vertx.core.json.Json.decodeValue(text);
        if (!(parsed instanceof JsonObject object)) {
          send(Host.error(null, -32600, "one JSON-RPC message per WebSocket message (no batches)"));
          return;
        }
        message = object;
      } catch (DecodeException e) {
        send(Host.error(null, -32700, "Parse error: the message is not JSON"));
        return;
      }
      if (message.containsKey("jsonrpc") && !"2.0".equals(message.getValue("jsonrpc"))) {
        send(Host.error(message.getValue("id"), -32600, "Invalid Request: jsonrpc must be 2.0"));
        return;
      }
      message.put("jsonrpc", "2.0");
      String method = message.getValue("method") instanceof String m ? m : null;
      if (session == null) {
        initialize(method, message);
      } else if (method == null) {
        host.notify(session, message); // an answer to a request of the server
      } else if (message.containsKey("id")) {
        host.request(session, message, new SocketReply());
      } else {
        host.notify(session, message);
      }
    }

    private void initialize(String method, JsonObject message) {
      Object id = message.getValue("id");
      if (!"initialize".equals(method) || opening) {
        send(
            Host.error(
                id,
                -32600,
                opening
                    ? "initialize is in progress: wait for its answer"
                    : "initialize first: {\"method\":\"initialize\",\"project\":\"...\"}"));
        return;
      }
      String project =
          message.getValue("project") instanceof String given ? given : fallbackProject;
      if (project != null && !StreamableHttp.PROJECT_NAME.matcher(project).matches()) {
        send(
            Host.error(
                id,
                -32602,
                "project must be 1 to 128 characters of letters, digits, '.', '_' and '-'"));
        return;
      }
      opening = true;
      try {
        host.open(server, project, message)
            .onComplete(done -> opening = false)
            .onSuccess(
                opened -> {
                  if (closed) {
                    host.close(opened.getKey());
                    return;
                  }
                  session = opened.getKey();
                  session.outlet(this);
                  session.caller = caller;
                  session.via = "websocket";
                  send(
                      new JsonObject()
                          .put("jsonrpc", "2.0")
                          .put("id", id)
                          .put("result", opened.getValue()));
                })
            .onFailure(err -> send(Host.error(id, -32603, err.getMessage())));
      } catch (ApiException e) {
        opening = false;
        send(Host.error(id, e.status() == 404 ? -32602 : -32603, e.getMessage()));
      }
    }

    private boolean send(JsonObject message) {
      if (closed || ws.isClosed() || ws.writeQueueFull()) {
        return false;
      }
      ws.writeTextMessage(message.encode());
      return true;
    }

    // ---- Session.Outlet ----

    @Override
    public boolean deliver(JsonObject message) {
      return send(message);
    }

    @Override
    public boolean open() {
      return !closed;
    }

    @Override
    public void close() {
      if (!closed && !ws.isClosed()) {
        ws.close((short) 1001, "the MCP session ended");
      }
    }

    /** A request's answer and progress, on the socket. */
    private final class SocketReply implements Host.Reply {
      @Override
      public boolean related(JsonObject message) {
        return send(message);
      }

      @Override
      public void answer(JsonObject response) {
        // an answer is written even to a client that is behind: its requests in flight bound it
        if (!closed && !ws.isClosed()) {
          ws.writeTextMessage(response.encode());
        }
      }

      @Override
      public void cancelled(Object id) {
        send(Host.error(id, -32800, "request cancelled by the client"));
      }
    }
  }
}
