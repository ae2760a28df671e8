package dev.switchboard.hub;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The managed services' status and control, as both {@code /services} and the main namespace {@code
 * /} (where seed 000's orchestrator client talks) serve them: {@code
 * services:start|stop|restart|refresh}, which need the operate action; {@code services:status} on
 * connect and after each refresh; every change as {@code services:update}, and a failure as {@code
 * services:error}, to the whole namespace.
 */
final class ServiceControl {

  static final String STATUS = "services:status";
  static final String UPDATE = "services:update";
  static final String ERROR = "services:error";

  /** The events this sends to clients. */
  static final List<String> SERVER_EVENTS = List.of(STATUS, UPDATE, ERROR);

  /** The prefix of the events the namespaces that serve this keep for themselves. */
  static final String PREFIX = "services:";

  private static final Set<String> ERROR_STATES = Set.of("failed", "errored", "unhealthy");
  private static final String REFRESH = "refresh";

  /** A control event, the supervisor's command address it is sent to, and its audit log action. */
  private record Control(String action, String address, String audited) {
    String event() {
      return PREFIX + action;
    }
  }

  private static final List<Control> CONTROLS =
      List.of(
          new Control("start", Addresses.SUPERVISOR_SERVICES_START, "service.start"),
          new Control("stop", Addresses.SUPERVISOR_SERVICES_STOP, "service.stop"),
          new Control("restart", Addresses.SUPERVISOR_SERVICES_RESTART, "service.restart"),
          new Control(REFRESH, Addresses.SUPERVISOR_SERVICES_REFRESH, "services.refresh"));

  private final Vertx vertx;
  private final Streams streams;

  ServiceControl(Vertx vertx, Streams streams) {
    this.vertx = vertx;
    this.streams = streams;
  }

  List<ClientEvent> clientEvents() {
    List<ClientEvent> events = new ArrayList<>(CONTROLS.size());
    for (Control control : CONTROLS) {
      events.add(
          ClientEvent.operate(
              control.event(),
              (socket, args, ack) -> control(control, socket, args, ack),
              control.audited(),
              ServiceControl::name));
    }
    return events;
  }

  /** The status of every service at once (when the supervisor runs), then every change. */
  void connected(Socket socket) {
    Bus.request(vertx, Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
        .onSuccess(status -> socket.emit(STATUS, status));
    followChanges(socket.namespace());
  }

  /**
   * Sends the command to the supervisor and answers through the ack. The supervisor answers a
   * refresh with every service's status after probing them, which the socket that asked also gets
   * as {@code services:status}, the answer seed 000's client waits for.
   */
  private void control(Control control, Socket socket, JsonArray args, Socket.Ack ack) {
    String name = name(args);
    boolean refresh = control.action().equals(REFRESH);
    if (name == null && !refresh) {
      Commands.fail(ack, AckError.BAD_REQUEST, control.event() + " needs {name} or the name");
      return;
    }
    JsonObject request = name == null ? new JsonObject() : new JsonObject().put("name", name);
    Bus.request(vertx, control.address(), request)
        .onSuccess(
            result -> {
              Commands.ok(ack, result);
              if (refresh) {
                socket.emit(STATUS, result);
              }
            })
        .onFailure(err -> Commands.failFrom(ack, err));
  }

  /**
   * The service a command names: {@code {name}}, or the name itself ({@code
   * socket.emit("services:start", "web")}), since seed 000 does not say which its client sends.
   */
  private static String name(JsonArray args) {
    if (!args.isEmpty() && args.getValue(0) instanceof String given) {
      return Commands.ID.matcher(given).matches() ? given : null;
    }
    return Commands.field(args, "name", Commands.ID);
  }

  /**
   * {@code services:update} for every change, to the whole namespace while it has sockets; a
   * transition into {@code failed}, {@code errored} or {@code unhealthy} also gets the seed's
   * {@code services:error}.
   */
  private void followChanges(Namespace namespace) {
    streams.follow(
        Addresses.SERVICES_STATUS,
        namespace,
        null,
        body -> {
          namespace.emit(UPDATE, body);
          if ("state".equals(body.getString("update"))
              && ERROR_STATES.contains(body.getString("state"))) {
            namespace.emit(
                ERROR,
                new JsonObject()
                    .put("name", body.getString("name"))
                    .put("state", body.getString("state"))
                    .put("message", body.getString("reason")));
          }
        });
  }
}
