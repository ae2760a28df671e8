package dev.switchboard.hub;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.FailedSignIns;
import dev.switchboard.common.auth.Revocations;
import dev.switchboard.common.auth.Role;
import dev.switchboard.hub.socket.ConnectError;
import dev.switchboard.hub.socket.Handshake;
import dev.switchboard.hub.socket.Socket;
import dev.switchboard.hub.socket.SocketServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The hub's namespaces, as the systems Switchboard replaces know them, registered here and nowhere
 * else: {@link MainNamespace}, {@link ServicesNamespace}, {@link DeploymentsNamespace}, {@link
 * SystemNamespace}, {@link McpNamespace} and {@link FilesNamespace}, each with its events, rooms
 * and resume logic. What they share is done here: a connection needs a token whose role may read
 * (see {@link Role}), every client event is checked against the action it needs, every socket is
 * greeted with {@value #GREETING}, a command that fails is reported with {@value #ERROR} besides
 * its ack, and streams nobody listens to any more are released on disconnect.
 */
final class HubNamespaces {

  static final List<String> NAMES =
      List.of(
          MainNamespace.NAME,
          ServicesNamespace.NAME,
          DeploymentsNamespace.NAME,
          SystemNamespace.NAME,
          McpNamespace.NAME,
          FilesNamespace.NAME);

  /**
   * The greeting every namespace sends a socket when it connects: {@code {id, namespace,
   * recovered}}.
   */
  static final String GREETING = "connected";

  /**
   * What every namespace sends the socket whose command failed, besides the negative ack, as seed
   * 001's server does: {@code {event, code, message}}. A client that sends without an ack, as the
   * seeds' clients do, learns of the failure only through it.
   */
  static final String ERROR = "error";

  /**
   * Handshake auth keys the hub once used for the role and the caller's name, and still takes out
   * of an admitted socket's auth: a client's own values under them are not kept with the socket.
   * Who the socket speaks for is its {@link Socket#principal()}, a {@link Caller}.
   */
  private static final String ROLE = "role";

  private static final String NAME = "caller";

  /**
   * The handshake auth key of what a revocation that ends the socket's credential names, a {@link
   * JsonArray} of tags (a named token's, a sign-in JWT's session), from the middleware to the
   * connection handler; absent for a configured token, which nothing revokes.
   */
  private static final String REVOCATION = "revocation";

  private final SocketServer server;
  private final Streams streams;
  private final Authenticator authenticator;
  private final Revocations revocations;

  /** What forgets each socket a revocation would end, in {@link #revocations}, once it is gone. */
  private final Map<Socket, Runnable> revocable = new HashMap<>();

  private final List<HubNamespace> namespaces;
  private final Consumer<JsonObject> audit;

  /** Unknown tokens per client address, counted as the API counts its failed sign-ins. */
  private final FailedSignIns failures = FailedSignIns.standard();

  /**
   * @param audit where the entries of control events go ({@code Addresses.AUDIT_RECORD}, the
   *     gateway's audit log)
   */
  HubNamespaces(
      SocketServer server,
      Streams streams,
      Authenticator authenticator,
      Revocations revocations,
      List<HubNamespace> namespaces,
      Consumer<JsonObject> audit) {
    this.server = server;
    this.streams = streams;
    this.authenticator = authenticator;
    this.revocations = revocations;
    this.namespaces = namespaces;
    this.audit = audit;
  }

  /** The six namespaces, in the order of {@link #NAMES}. */
  static List<HubNamespace> create(Vertx vertx, Streams streams) {
    return List.of(
        new MainNamespace(vertx, streams),
        new ServicesNamespace(vertx, streams),
        new DeploymentsNamespace(vertx, streams),
        new SystemNamespace(vertx, streams),
        new McpNamespace(vertx, streams),
        new FilesNamespace(vertx, streams));
  }

  /**
   * Whether {@code event} on {@code namespace} is the hub's own: declared by the namespace, or
   * under one of its reserved prefixes. {@code POST /emit} may not send it there, since a browser
   * would take a forged one for the hub's.
   */
  boolean ownEvent(String namespace, String event) {
    return namespaces.stream()
        .filter(candidate -> candidate.name().equals(namespace))
        .anyMatch(
            candidate ->
                candidate.serverEvents().contains(event)
                    || candidate.reservedPrefixes().stream().anyMatch(event::startsWith));
  }

  void install() {
    for (HubNamespace namespace : namespaces) {
      Map<String, Socket.EventHandler> handlers = new LinkedHashMap<>();
      for (ClientEvent event : namespace.clientEvents()) {
        handlers.put(event.name(), guarded(event));
      }
      // one immutable table for all the namespace's sockets, which share it (Socket#onAll)
      Map<String, Socket.EventHandler> shared = Map.copyOf(handlers);
      server
          .of(namespace.name())
          .use(this::authenticate)
          .onConnection(socket -> connected(namespace, shared, socket))
          // one handler for all the namespace's sockets, not one per socket
          .onDisconnection(
              (socket, reason) -> {
                Runnable forget = revocable.remove(socket);
                if (forget != null) {
                  forget.run();
                }
                streams.releaseIdle();
                namespace.disconnected(socket);
              });
    }
  }

  private void connected(
      HubNamespace namespace, Map<String, Socket.EventHandler> handlers, Socket socket) {
    // who the middleware admitted is the handshake's principal (Socket#principal), for a
    // recovered socket too (the token was checked again); what would revoke it is in the auth
    JsonObject auth = socket.handshake().auth();
    // a revocation of its credential disconnects it from the server side, as a client that
    // connects again with it would be refused
    if (auth.remove(REVOCATION) instanceof JsonArray tags) {
      List<String> named = tags.stream().map(String::valueOf).toList();
      revocable.put(socket, revocations.add(named, socket::disconnect));
    }
    if (socket.recovered()) {
      namespace.resume(socket);
    }
    socket.emitToConnection(
        GREETING,
        new JsonObject()
            .put("id", socket.id())
            .put("namespace", socket.namespace().name())
            .put("recovered", socket.recovered()));
    socket.onAll(handlers);
    namespace.connected(socket);
  }

  /**
   * How many sockets a revocation could end, as this class keeps them and as the registry does (a
   * socket kept under two tags counts once there); both go back down as sockets leave (tests).
   */
  int[] revocable() {
    return new int[] {revocable.size(), revocations.size()};
  }

  /** Who the socket speaks for (the credential it connected with); empty when unknown. */
  static Optional<Caller> caller(Socket socket) {
    return socket.principal() instanceof Caller caller ? Optional.of(caller) : Optional.empty();
  }

  /** The socket's role; null when unknown. */
  private static Role role(Socket socket) {
    return socket.principal() instanceof Caller caller ? caller.role() : null;
  }

  /** Why the socket's role may not do {@code action}, or empty when it may. */
  static Optional<String> refusal(Socket socket, Action action) {
    return Access.refusal(role(socket), action);
  }

  /**
   * A connection needs a known token whose role may read; the emit token is for {@code POST /emit}
   * only. An address that sent too many unknown tokens is held off before its token is looked at
   * ({@link FailedSignIns}, as the API does).
   */
  private Future<Void> authenticate(Handshake handshake) {
    String address = handshake.remoteAddress();
    OptionalLong retryAfter = address == null ? OptionalLong.empty() : failures.retryAfter(address);
    if (retryAfter.isPresent()) {
      return Future.failedFuture(
          new ConnectError(
              "too many failed sign-ins from this address; try again in "
                  + retryAfter.getAsLong()
                  + " s",
              new JsonObject()
                  .put("code", "rate_limited")
                  .put("retryAfter", retryAfter.getAsLong())));
    }
    Object token = handshake.auth().getValue("token");
    if (!(token instanceof String given)) {
      return Future.failedFuture(
          new ConnectError(
              token == null ? "authentication required" : "invalid token",
              new JsonObject().put("code", "unauthorized")));
    }
    return authenticator
        .authenticate(given)
        .recover(
            err ->
                Future.failedFuture(
                    new ConnectError(
                        err.getMessage(), new JsonObject().put("code", "unavailable"))))
        .compose(
            caller -> {
              if (caller.isEmpty() && address != null) {
                failures.failed(address);
              }
              return admit(handshake, caller, authenticator.revocationTags(given));
            });
  }

  /**
   * A known caller whose role may read joins; the caller, and what would revoke its credential, go
   * into the socket's data.
   */
  private static Future<Void> admit(
      Handshake handshake, Optional<Caller> caller, List<String> revocation) {
    if (caller.isEmpty()) {
      return Future.failedFuture(
          new ConnectError("invalid token", new JsonObject().put("code", "unauthorized")));
    }
    Role role = caller.get().role();
    if (Access.refusal(role, Action.READ).isPresent()) {
      return Future.failedFuture(
          new ConnectError(
              "the " + role.label() + " role may not join a namespace",
              new JsonObject().put("code", "forbidden")));
    }
    // the token has done its work: not kept with the socket for the life of the connection; who
    // it stands for is the handshake's principal, the authenticator's own object (one for all the
    // sockets of a configured token), not a copy in every socket's data
    handshake.auth().remove("token");
    handshake.auth().remove(ROLE);
    handshake.auth().remove(NAME);
    handshake.principal(caller.get());
    if (revocation.isEmpty()) {
      // nothing the client sent under that key stands for the gateway's answer
      handshake.auth().remove(REVOCATION);
    } else {
      handshake.auth().put(REVOCATION, new JsonArray(revocation));
    }
    return Future.succeededFuture();
  }

  /**
   * The event's handler, called only when the socket's role may do the event's action, with an ack
   * that reports a failure with {@value #ERROR} too and, for a control event, records the attempt
   * and its outcome in the audit log.
   */
  private Socket.EventHandler guarded(ClientEvent event) {
    return (socket, args, clientAck) -> {
      Socket.Ack ack = reportingFailures(socket, event.name(), clientAck);
      if (event.audited() != null) {
        ack = audited(socket, event, args, ack);
      }
      Optional<String> refused = refusal(socket, event.action());
      if (refused.isEmpty()) {
        event.handler().handle(socket, args, ack);
      } else {
        Commands.fail(ack, AckError.FORBIDDEN, event.name() + ": " + refused.get());
      }
    };
  }

  /**
   * An ack that, at its first answer, sends the audit log who sent the event, its action and
   * target, the socket's address and the outcome: {@code ok}, {@code refused} (the role may not) or
   * {@code failed} with the reason.
   */
  private Socket.Ack audited(Socket socket, ClientEvent event, JsonArray args, Socket.Ack next) {
    boolean[] recorded = {false};
    return answer -> {
      if (!recorded[0]) {
        recorded[0] = true;
        JsonObject error =
            answer.length > 0
                    && answer[0] instanceof JsonObject reply
                    && Boolean.FALSE.equals(reply.getValue("ok"))
                ? reply.getJsonObject("error", new JsonObject())
                : null;
        Caller caller = socket.principal() instanceof Caller known ? known : null;
        Role role = caller == null ? null : caller.role();
        String name = caller == null ? null : caller.name();
        audit.accept(
            new JsonObject()
                .put("at", Instant.now().toString())
                .put("actor", role == null ? name : new Caller(name, role).actor())
                .put("role", role == null ? null : role.label())
                .put("action", event.audited())
                .put("target", event.target().apply(args))
                .put(
                    "outcome",
                    error == null
                        ? "ok"
                        : AckError.FORBIDDEN.code().equals(error.getString("code"))
                            ? "refused"
                            : "failed")
                .put("detail", error == null ? null : error.getString("message"))
                .put("address", socket.handshake().remoteAddress()));
      }
      next.send(answer);
    };
  }

  /**
   * An ack that answers the client's ack, when it asked for one, and emits {@value #ERROR} {@code
   * {event, code, message}} to the socket when the answer is the hub's negative one, {@code
   * {ok:false, error:{code, message}}}. Only its first answer counts, as with any ack.
   */
  private static Socket.Ack reportingFailures(Socket socket, String event, Socket.Ack clientAck) {
    boolean[] answered = {false};
    return args -> {
      if (answered[0]) {
        return;
      }
      answered[0] = true;
      if (args.length > 0
          && args[0] instanceof JsonObject answer
          && Boolean.FALSE.equals(answer.getValue("ok"))
          && answer.getValue("error") instanceof JsonObject error) {
        socket.emit(ERROR, error.copy().put("event", event));
      }
      if (clientAck != null) {
        clientAck.send(args);
      }
    };
  }
}
