package dev.switchboard.hub;

import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.hub.socket.Namespace;
import dev.switchboard.hub.socket.Socket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code subscribe:logs} and {@code unsubscribe:logs}, as {@code /services} and {@code
 * /deployments} both have them: a subscriber is in the room {@code logs:<id>}, which relays the
 * event-bus stream of that source's lines as {@code logs} until it ends with {@code stream:closed}.
 *
 * <p>A {@code logs} event is a batch of lines, {@code lines: [{seq, ts, stream, line}]}, and the
 * same lines as text in {@code data}, each ending with a newline: seed 001's clients read a log
 * event's text as {@code data.data}, a chunk of {@code docker logs -f} output, which may hold
 * several lines too.
 */
final class LogSubscriptions {

  static final String SUBSCRIBE = "subscribe:logs";
  static final String UNSUBSCRIBE = "unsubscribe:logs";
  static final String LOGS = "logs";
  static final String STREAM_CLOSED = "stream:closed";
  private static final String ROOM_PREFIX = "logs:";

  private final Vertx vertx;
  private final Streams streams;
  private final String idField;
  private final Pattern idPattern;
  private final String idRule;
  private final Function<String, String> streamAddress;
  private final Function<String, JsonObject> tailQuery;
  private final String tailAddress;

  /**
   * @param idField the field naming the source, in commands and events: {@code serviceId}
   * @param idPattern what a source's id may be
   * @param idRule the same in words, for a refusal
   * @param streamAddress the event-bus stream of a source's lines
   * @param tailQuery the query for a source's last lines, sent to {@code tailAddress}
   */
  LogSubscriptions(
      Vertx vertx,
      Streams streams,
      String idField,
      Pattern idPattern,
      String idRule,
      Function<String, String> streamAddress,
      Function<String, JsonObject> tailQuery,
      String tailAddress) {
    this.vertx = vertx;
    this.streams = streams;
    this.idField = idField;
    this.idPattern = idPattern;
    this.idRule = idRule;
    this.streamAddress = streamAddress;
    this.tailQuery = tailQuery;
    this.tailAddress = tailAddress;
  }

  List<ClientEvent> clientEvents() {
    return List.of(
        ClientEvent.read(SUBSCRIBE, this::subscribe),
        ClientEvent.read(UNSUBSCRIBE, this::unsubscribe));
  }

  /**
   * The last lines first, then the live stream. The stream's consumer is registered before the tail
   * is asked for, and the tail's answer and the stream's batches come in on this same event loop:
   * the socket joins the room when the tail goes out, so it gets every line after the tail once, in
   * order.
   *
   * <p>A source the supervisor does not know (its tail answers {@code not_found} or {@code
   * bad_request}) fails the subscription, as a missing container did in seed 001. When the
   * supervisor is not running, or {@code tail} is 0, nothing is checked and the socket follows
   * whatever comes.
   */
  private void subscribe(Socket socket, JsonArray args, Socket.Ack ack) {
    String id = Commands.field(args, idField, idPattern);
    if (id == null) {
      Commands.fail(ack, AckError.BAD_REQUEST, SUBSCRIBE + " needs {" + idField + "}: " + idRule);
      return;
    }
    if (!socket.mayJoin(ROOM_PREFIX + id)) {
      Commands.fail(ack, AckError.TOO_MANY_ROOMS, "this socket follows as many streams as it may");
      return;
    }
    int tail = tailLines(args);
    follow(socket.namespace(), id)
        .compose(
            v ->
                tail == 0
                    ? Future.succeededFuture(new JsonObject())
                    : Bus.request(
                        vertx,
                        tailAddress,
                        tailQuery.apply(id).put("tail", true).put("limit", tail)))
        .onComplete(
            result -> {
              if (result.failed() && unknownSource(result.cause())) {
                streams.releaseIdle();
                Commands.failFrom(ack, result.cause());
                return;
              }
              if (result.succeeded()
                  && result.result().getJsonArray("lines", new JsonArray()).size() > 0) {
                socket.emit(
                    LOGS,
                    withText(
                        new JsonObject()
                            .put(idField, id)
                            .put("lines", result.result().getJsonArray("lines"))
                            .put("tail", true)));
              }
              socket.join(ROOM_PREFIX + id);
              Commands.ok(ack, new JsonObject().put(idField, id));
            });
  }

  private static boolean unknownSource(Throwable err) {
    return err instanceof ApiException api
        && (api.type() == ErrorType.NOT_FOUND || api.type() == ErrorType.BAD_REQUEST);
  }

  private void unsubscribe(Socket socket, JsonArray args, Socket.Ack ack) {
    String id = Commands.field(args, idField, idPattern);
    if (id == null) {
      socket.rooms().stream().filter(room -> room.startsWith(ROOM_PREFIX)).forEach(socket::leave);
    } else {
      socket.leave(ROOM_PREFIX + id);
    }
    streams.releaseIdle();
    Commands.ok(ack, new JsonObject());
  }

  /**
   * How many past lines a subscriber asks for first ({@code tail}, 0..1000; 100 when not given).
   */
  private static int tailLines(JsonArray args) {
    Object first = args.isEmpty() ? null : args.getValue(0);
    if (first instanceof JsonObject options && options.getValue("tail") instanceof Number n) {
      return Math.max(0, Math.min(1000, n.intValue()));
    }
    return 100;
  }

  /** Follows again the log streams of the rooms a recovered socket is back in. */
  void resume(Socket socket) {
    for (String room : socket.rooms()) {
      if (room.startsWith(ROOM_PREFIX)) {
        follow(socket.namespace(), room.substring(ROOM_PREFIX.length()));
      }
    }
  }

  /** Relays a log stream to its room until it ends; then the room is emptied too. */
  private Future<Void> follow(Namespace namespace, String id) {
    String room = ROOM_PREFIX + id;
    String stream = streamAddress.apply(id);
    return streams.follow(
        stream,
        namespace,
        room,
        body -> {
          if (Boolean.TRUE.equals(body.getBoolean("closed"))) {
            namespace.emitTo(
                room,
                STREAM_CLOSED,
                new JsonObject().put(idField, id).put("reason", body.getString("reason")));
            namespace.clearRoom(room);
            streams.end(namespace, stream);
          } else {
            namespace.emitTo(room, LOGS, withText(body));
          }
        });
  }

  /** The batch with its lines as text in {@code data}, each line ending with a newline. */
  private static JsonObject withText(JsonObject batch) {
    StringBuilder text = new StringBuilder();
    for (Object line : batch.getJsonArray("lines", new JsonArray())) {
      if (line instanceof JsonObject entry) {
        text.append(entry.getString("line", "")).append('\n');
      }
    }
    return batch.put("data", text.toString());
  }
}
