package dev.switchboard.hub;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code /deployments}: a deployment's logs ({@link LogSubscriptions}, rooms {@code logs:<id>}),
 * and every deployment's progress to the whole namespace as {@code deployments:update}.
 */
final class DeploymentsNamespace implements HubNamespace {

  static final String NAME = "/deployments";
  static final String UPDATE = "deployments:update";

  private final Streams streams;
  private final LogSubscriptions logs;

  DeploymentsNamespace(Vertx vertx, Streams streams) {
    this.streams = streams;
    this.logs =
        new LogSubscriptions(
            vertx,
            streams,
            "deploymentId",
            Commands.ID,
            "letters, digits, '.', '_' or '-'",
            Addresses::deploymentLogs,
            id -> new JsonObject().put("id", id),
            Addresses.SUPERVISOR_DEPLOYMENTS_LOGS);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ClientEvent> clientEvents() {
    return logs.clientEvents();
  }

  @Override
  public List<String> serverEvents() {
    return List.of(
        HubNamespaces.GREETING,
        HubNamespaces.ERROR,
        LogSubscriptions.LOGS,
        LogSubscriptions.STREAM_CLOSED,
        UPDATE);
  }

  @Override
  public List<String> reservedPrefixes() {
    return List.of("deployments:");
  }

  /** Relays deployment progress to the whole namespace while it has sockets. */
  @Override
  public void connected(Socket socket) {
    Namespace namespace = socket.namespace();
    streams.follow(
        Addresses.DEPLOYMENTS_STATUS, namespace, null, body -> namespace.emit(UPDATE, body));
  }

  @Override
  public void resume(Socket socket) {
    logs.resume(socket);
  }
}
