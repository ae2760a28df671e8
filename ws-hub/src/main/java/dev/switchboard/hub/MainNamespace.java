package dev.switchboard.hub;

import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /}, Socket.IO's main namespace, which a client reaches when its URL names none ({@code
 * io("http://host:3007")}). Seed 000's orchestrator client talks there: the services' status and
 * control of {@link ServiceControl}, as on {@code /services}, without the logs.
 */
final class MainNamespace implements HubNamespace {

  static final String NAME = "/";

  private final ServiceControl control;

  MainNamespace(Vertx vertx, Streams streams) {
    this.control = new ServiceControl(vertx, streams);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ClientEvent> clientEvents() {
    return control.clientEvents();
  }

  @Override
  public List<String> serverEvents() {
    List<String> events = new ArrayList<>(List.of(HubNamespaces.GREETING, HubNamespaces.ERROR));
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
}
