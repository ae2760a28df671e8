package dev.switchboard.mcp;

import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Revocations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Streamable HTTP transport (MCP 2025-06-18; 2025-03-26 clients are served too) at {@code
 * /mcp/{server}}: POST carries one JSON-RPC message (a request is answered as JSON, or as an SSE
 * stream carrying its progress then its answer when the client accepts {@code text/event-stream});
 * GET opens the session's standalone SSE stream; DELETE ends the session. {@code initialize} opens
 * a session ({@code Mcp-Session-Id}); a per-project server takes its project from {@code ?project=}
 * or the {@code Mcp-Project} header. Origins are checked against the allowed ones; the credential
 * is checked before (by the router, {@link McpHostVerticle}).
 */
final class StreamableHttp {

  static final String SESSION = "Mcp-Session-Id";
  static final String PROJECT = "Mcp-Project";
  static final String VERSION = "MCP-Protocol-Version";
  static final String LAST_EVENT_ID = "Last-Event-ID";
  static final int BODY_LIMIT = 4 * 1024 * 1024;
  static final Pattern PROJECT_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final long KEEP_ALIVE_MS = 15_000;

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(StreamableHttp.class);
  private final Vertx vertx;
  private final Host host;
  private final Set<String> origins;
  private final Authenticator authenticator;
  private final Revocations revocations;

  StreamableHttp(
      Vertx vertx,
      Host host,
      List<String> origins,
      Authenticator authenticator,
      Revocations revocations) {
    this.vertx = vertx;
    this.host = host;
    this.origins = Set.copyOf(origins);
    this.authenticator = authenticator;
    this.revocations = revocations;
  }

  void mount(Router router) {
    router
        .route("/mcp/:server")
        .handler(
            ctx -> {
              if (LOG.isDebugEnabled()) {
                ctx.addHeadersEndHandler(
                    v ->
                        LOG.debug(
                            "{} {} session={} version={} accept={} -> {}",
                            ctx.request().method(),
                            ctx.request().uri(),
                            ctx.request().getHeader(SESSION),
                            ctx.request().getHeader(VERSION),
                            ctx.request().getHeader(HttpHeaders.ACCEPT),
                            ctx.response().getStatusCode()));
              }
              ctx.next();
            });
    router.route("/mcp/:server").handler(this::checkOrigin);
    router.post("/mcp/:server").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    router.post("/mcp/:server").handler(this::post);
    router.get("/mcp/:server").handler(this::get);
    router.delete("/mcp/:server").handler(this::delete);
  }

  /**
   * The specification's DNS-rebinding guard: a browser's {@code Origin} must be one of the allowed
   * origins (CORS_ORIGINS), or of the host the request names; no Origin (not a browser) passes.
   */
  void checkOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null || origins.contains(origin) || sameHost(origin, ctx)) {
      ctx.next();
      return;
    }
    ctx.fail(
        new ApiException(
            dev.switchboard.common.http.ErrorType.FORBIDDEN,
            "Origin " + origin + " is not allowed (CORS_ORIGINS)",
            "Origin"));
  }

  private static boolean sameHost(String origin, RoutingContext ctx) {
    try {
      URI uri = URI.create(origin);
      String authority =
          ctx.request().authority() == null ? null : ctx.request().authority().toString();
      return authority != null && authority.equalsIgnoreCase(uri.getRawAuthority());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void post(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    Object parsed;
    try {
      parsed = body == null ? null : io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      jsonError(ctx, 400, Host.error(null, -32700, "Parse error: the body is not JSON"));
      return;
    }
    if (parsed instanceof JsonArray) {
      jsonError(
          ctx,
          400,
          Host.error(
              null, -32600, "batches are not supported: send one JSON-RPC message per POST"));
      return;
    }
    if (!(parsed instanceof JsonObject message) || !"2.0".equals(message.getValue("jsonrpc"))) {
      jsonError(ctx, 400, Host.error(null, -32600, "Invalid Request: one JSON-RPC 2.0 message"));
      return;
    }
    String method = message.getString("method");
    boolean request = method != null && message.containsKey("id");
    String sessionId = ctx.request().getHeader(SESSION);
    if ("initialize".equals(method) && sessionId == null) {
      initialize(ctx, message);
      return;
    }
    Session session = session(ctx, sessionId);
    if (session == null) {
      return;
    }
    if (!request) {
      host.notify(session, message);
      ctx.response().setStatusCode(202).end();
      return;
    }
    // the call audit's caller: this request's credential (a session may be used by another)
    session.caller = BearerAuth.callerIfKnown(ctx).orElse(session.caller);
    boolean sse = accepts(ctx, "text/event-stream");
    HttpServerResponse response = ctx.response();
    if (sse) {
      response
          .setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .putHeader(SESSION, session.id);
      response.writeHead();
    }
    // its events are kept for replay: a client that lost the stream resumes it with a GET
    int stream = sse ? session.open(response) : 0;
    host.request(
        session,
        message,
        new Host.Reply() {
          @Override
          public boolean related(JsonObject related) {
            return sse && session.send(stream, related, false, false);
          }

          @Override
          public void cancelled(Object id) {
            if (sse) {
              session.end(stream);
            } else if (!response.closed() && !response.ended()) {
              answer(Host.error(id, -32800, "request cancelled by the client"));
            }
          }

          @Override
          public void answer(JsonObject answer) {
            if (sse) {
              session.send(stream, answer, true, true);
            } else if (!response.closed() && !response.ended()) {
              response
                  .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                  .putHeader(SESSION, session.id)
                  .end(answer.toBuffer());
            }
          }
        });
  }

  private void initialize(RoutingContext ctx, JsonObject message) {
    String server = ctx.pathParam("server");
    String project = ctx.queryParams().get("project");
    if (project == null) {
      project = ctx.request().getHeader(PROJECT);
    }
    if (project != null && !PROJECT_NAME.matcher(project).matches()) {
      ctx.fail(
          ApiException.invalid(
              "project", "must be 1 to 128 characters of letters, digits, '.', '_' and '-'"));
      return;
    }
    Object id = message.getValue("id");
    host.open(server, project, message)
        .onSuccess(
            opened -> {
              Session session = opened.getKey();
              session.caller = BearerAuth.callerIfKnown(ctx).orElse(null);
              JsonObject answer =
                  new JsonObject()
                      .put("jsonrpc", "2.0")
                      .put("id", id)
                      .put("result", opened.getValue());
              ctx.response().putHeader(SESSION, session.id);
              if (accepts(ctx, "text/event-stream") && !accepts(ctx, "application/json")) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream");
                session.send(session.open(ctx.response()), answer, true, true);
              } else {
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(answer.toBuffer());
              }
            })
        .onFailure(
            err -> {
              if (err instanceof ApiException api && api.status() != 503) {
                ctx.fail(api);
              } else {
                // the server could not be started: a JSON-RPC error the client can show
                jsonError(ctx, 502, Host.error(id, -32603, err.getMessage()));
              }
            });
  }

  private void get(RoutingContext ctx) {
    Session session = session(ctx, ctx.request().getHeader(SESSION));
    if (session == null) {
      return;
    }
    if (!accepts(ctx, "text/event-stream")) {
      ctx.fail(
          new ApiException(
              dev.switchboard.common.http.ErrorType.METHOD_NOT_ALLOWED,
              "GET opens an SSE stream: send Accept: text/event-stream",
              "Accept"));
      return;
    }
    String lastEventId = ctx.request().getHeader(LAST_EVENT_ID);
    if (lastEventId != null) {
      String why = session.unresumable(lastEventId);
      if (why != null) {
        ctx.fail(
            new ApiException(
                why.startsWith("names the standalone")
                    ? dev.switchboard.common.http.ErrorType.CONFLICT
                    : dev.switchboard.common.http.ErrorType.BAD_REQUEST,
                LAST_EVENT_ID + " " + lastEventId + " " + why,
                LAST_EVENT_ID));
        return;
      }
    } else if (session.hasStream()) {
      ctx.fail(
          new ApiException(
              dev.switchboard.common.http.ErrorType.CONFLICT,
              "this session already has its stream open",
              SESSION));
      return;
    }
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader(SESSION, session.id);
    response.write(Sse.comment("stream open"));
    if (lastEventId != null) {
      session.resume(lastEventId, response); // its events after the id, then the stream goes on
    } else {
      session.stream(response);
    }
    long keepAlive =
        vertx.setPeriodic(
            KEEP_ALIVE_MS,
            id -> {
              if (!response.closed() && !response.ended() && !response.writeQueueFull()) {
                response.write(Sse.comment("keep-alive"));
              }
            });
    // a named token's stream ends when the token is revoked, a sign-in JWT's also when its session
    // is signed out (its requests are refused from then on)
    Runnable unrevocable =
        revocations.add(
            BearerAuth.token(ctx, false).map(authenticator::revocationTags).orElse(List.of()),
            () -> {
              if (!response.closed() && !response.ended()) {
                response.end();
              }
            });
    response.closeHandler(
        closed -> {
          vertx.cancelTimer(keepAlive);
          unrevocable.run();
        });
    response.endHandler(
        ended -> {
          vertx.cancelTimer(keepAlive);
          unrevocable.run();
        });
  }

  private void delete(RoutingContext ctx) {
    Session session = session(ctx, ctx.request().getHeader(SESSION));
    if (session == null) {
      return;
    }
    host.close(session);
    ctx.response().setStatusCode(204).end();
  }

  /** The session the request names, or null once the request has been answered with why not. */
  private Session session(RoutingContext ctx, String id) {
    if (id == null) {
      ctx.fail(
          ApiException.invalid(SESSION, "is required (initialize first: it answers with one)"));
      return null;
    }
    Session session = host.session(id).orElse(null);
    if (session == null || !session.key.server().equalsIgnoreCase(ctx.pathParam("server"))) {
      ctx.fail(ApiException.notFound("no such MCP session; initialize a new one"));
      return null;
    }
    String version = ctx.request().getHeader(VERSION);
    if (version != null && !Host.VERSIONS.contains(version)) {
      ctx.fail(
          ApiException.invalid(
              VERSION,
              "is not a protocol version this host serves: " + String.join(", ", Host.VERSIONS)));
      return null;
    }
    return session;
  }

  private static boolean accepts(RoutingContext ctx, String type) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    return accept != null && accept.toLowerCase(Locale.ROOT).contains(type);
  }

  private static void jsonError(RoutingContext ctx, int status, JsonObject error) {
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(error.toBuffer());
  }
}
