package dev.switchboard.hub;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /services}: the managed services' logs ({@link LogSubscriptions}, rooms {@code
 * logs:<name>}), and their status and control ({@link ServiceControl}).
 */
final class ServicesNamespace implements HubNamespace {

  static final String NAME = "/services";

  private final ServiceControl control;
  private final LogSubscriptions logs;

  ServicesNamespace(Vertx vertx, Streams streams) {
    this.control = new ServiceControl(vertx, streams);
    this.logs =
        new LogSubscriptions(
            vertx,
            streams,
            "serviceId",
            Commands.LOG_SOURCE,
            "letters, digits, '.', '_' or '-', or a hosted process's <kind>:<name>[:<project>]",
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
    events.addAll(control.clientEvents());
    return events;
  }

  @Override
  public List<String> serverEvents() {
    List<String> events =
        new ArrayList<>(
            List.of(
                HubNamespaces.GREETING,
                HubNamespaces.ERROR,
                LogSubscriptions.LOGS,
                LogSubscriptions.STREAM_CLOSED));
    events.addAll(ServiceControl.SERVER_EVENTS);
    return events;
  }

  @Override
  public List<String> reservedPrefixes() {
    return List.of(ServiceControl.PREFIX);
  }

  @Override
  public void connected(Socket socket) {
    control.connected(socket);
  }

  @Override
  public void resume(Socket socket) {
    logs.resume(socket);
  }
}
