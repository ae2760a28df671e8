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
 * {@code /services}: the managed services' logs ({@link LogSubscriptions}, rooms {@code
 * logs:<name>}), their status on connect and every change to the whole namespace, and their control
 * ({@code services:start|stop|restart|refresh}), which needs the control action.
 */
final class ServicesNamespace implements HubNamespace {

  static final String NAME = "/services";
  static final String STATUS = "services:status";
  static final String UPDATE = "services:update";
  static final String ERROR = "services:error";
  private static final Set<String> ERROR_STATES = Set.of("failed", "errored", "unhealthy");

  /** A control event and the supervisor's command address it is sent to. */
  private record Control(String action, String address) {
    String event() {
      return "services:" + action;
    }
  }

  private static final List<Control> CONTROLS =
      List.of(
          new Control("start", Addresses.SUPERVISOR_SERVICES_START),
          new Control("stop", Addresses.SUPERVISOR_SERVICES_STOP),
          new Control("restart", Addresses.SUPERVISOR_SERVICES_RESTART),
          new Control("refresh", Addresses.SUPERVISOR_SERVICES_REFRESH));

  private final Vertx vertx;
  private final Streams streams;
  private final LogSubscriptions logs;

  ServicesNamespace(Vertx vertx, Streams streams) {
    this.vertx = vertx;
    this.streams = streams;
    this.logs =
        new LogSubscriptions(
            vertx,
            streams,
            "serviceId",
            Addresses::serviceLogs,
            id -> new JsonObject().put("name", id),
            Addresses.SUPERVISOR_SERVICES_LOGS);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ClientEvent> clientEvents() {
    List<ClientEvent> events = new ArrayList<>(logs.clientEvents());
    for (Control control : CONTROLS) {
      events.add(
          ClientEvent.control(control.event(), (socket, args, ack) -> control(control, args, ack)));
    }
    return events;
  }

  @Override
  public List<String> serverEvents() {
    return List.of(
        HubNamespaces.GREETING,
        LogSubscriptions.LOGS,
        LogSubscriptions.STREAM_CLOSED,
        STATUS,
        UPDATE,
        ERROR);
  }

  @Override
  public List<String> reservedPrefixes() {
    return List.of("services:");
  }

  /** The status of every service at once (when the supervisor runs), then every change. */
  @Override
  public void connected(Socket socket) {
    Bus.request(vertx, Addresses.SUPERVISOR_SERVICES_STATUS, new JsonObject())
        .onSuccess(status -> socket.emit(STATUS, status));
    followChanges(socket);
  }

  @Override
  public void resume(Socket socket) {
    logs.resume(socket);
  }

  private void control(Control control, JsonArray args, Socket.Ack ack) {
    String name = Commands.field(args, "name", Commands.ID);
    if (name == null && !control.action().equals("refresh")) {
      Commands.fail(ack, AckError.BAD_REQUEST, control.event() + " needs {name}");
      return;
    }
    JsonObject request = name == null ? new JsonObject() : new JsonObject().put("name", name);
    Bus.request(vertx, control.address(), request)
        .onSuccess(result -> Commands.ok(ack, result))
        .onFailure(err -> Commands.failFrom(ack, err));
  }

  /**
   * {@code services:update} for every change, to the whole namespace while it has sockets; a
   * transition into {@code failed}, {@code errored} or {@code unhealthy} also gets the seed's
   * {@code services:error}.
   */
  private void followChanges(Socket socket) {
    Namespace namespace = socket.namespace();
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
