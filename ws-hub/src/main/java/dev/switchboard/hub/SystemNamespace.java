package dev.switchboard.hub;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/** {@code /system}: host samples as {@code stats}, to the sockets in the room {@code stats}. */
final class SystemNamespace implements HubNamespace {

  static final String NAME = "/system";
  static final String SUBSCRIBE = "subscribe:stats";
  static final String UNSUBSCRIBE = "unsubscribe:stats";
  static final String STATS = "stats";
  private static final String ROOM = "stats";

  private final Vertx vertx;
  private final Streams streams;

  SystemNamespace(Vertx vertx, Streams streams) {
    this.vertx = vertx;
    this.streams = streams;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ClientEvent> clientEvents() {
    return List.of(
        ClientEvent.read(SUBSCRIBE, this::subscribe),
        ClientEvent.read(UNSUBSCRIBE, this::unsubscribe));
  }

  @Override
  public List<String> serverEvents() {
    return List.of(HubNamespaces.GREETING, HubNamespaces.ERROR, STATS);
  }

  @Override
  public void resume(Socket socket) {
    if (socket.rooms().contains(ROOM)) {
      follow(socket.namespace());
    }
  }

  private void subscribe(Socket socket, JsonArray args, Socket.Ack ack) {
    if (!socket.join(ROOM)) {
      Commands.fail(ack, AckError.TOO_MANY_ROOMS, "this socket is in as many rooms as it may be");
      return;
    }
    follow(socket.namespace()).onComplete(r -> Commands.ok(ack, new JsonObject()));
    // the latest sample at once, rather than up to one interval later
    Bus.request(vertx, Addresses.STATS_LATEST, new JsonObject())
        .onSuccess(sample -> socket.emit(STATS, sample));
  }

  private void unsubscribe(Socket socket, JsonArray args, Socket.Ack ack) {
    socket.leave(ROOM);
    streams.releaseIdle();
    Commands.ok(ack, new JsonObject());
  }

  /** Host samples go out volatile: a client that is behind gets the next one instead. */
  private Future<Void> follow(Namespace namespace) {
    return streams.follow(
        Addresses.STATS_SYSTEM,
        namespace,
        ROOM,
        sample ->
            namespace.broadcast(
                Set.of(ROOM), Set.of(), true, new JsonArray().add(STATS).add(sample)));
  }
}
