package dev.switchboard.hub;

import dev.switchboard.hub.socket.Namespace;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Event-bus streams the hub relays to a room, consumed only while someone listens: the first
 * subscriber of a room registers the consumer, and the consumer goes when the room is empty. A
 * stream is consumed once per namespace that relays it ({@code services.status} by {@code /} and
 * {@code /services}, say), each consumer for its own namespace's sockets. {@link #active()} is the
 * {@code activeStreams} of {@code /health}.
 */
final class Streams {

  private record Stream(MessageConsumer<JsonObject> consumer, Namespace namespace, String room) {}

  /** A stream as one namespace relays it. */
  private record Key(String namespace, String address) {}

  private final Vertx vertx;
  private final Map<Key, Stream> streams = new HashMap<>();

  Streams(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Makes sure {@code address} is consumed for {@code room} of {@code namespace} (the whole
   * namespace when null); completes once the consumer is registered.
   */
  Future<Void> follow(
      String address, Namespace namespace, String room, Consumer<JsonObject> relay) {
    Key key = new Key(namespace.name(), address);
    Stream stream = streams.get(key);
    if (stream != null) {
      return stream.consumer().completion();
    }
    MessageConsumer<JsonObject> consumer =
        vertx.eventBus().consumer(address, message -> relay.accept(message.body()));
    streams.put(key, new Stream(consumer, namespace, room));
    return consumer.completion();
  }

  /** Stops consuming every stream whose room is empty now. */
  void releaseIdle() {
    streams
        .values()
        .removeIf(
            stream -> {
              int listeners =
                  stream.room() == null
                      ? stream.namespace().size()
                      : stream.namespace().roomSize(stream.room());
              if (listeners > 0) {
                return false;
              }
              stream.consumer().unregister();
              return true;
            });
  }

  /** Stops consuming {@code address} for {@code namespace} whatever listens (the stream ended). */
  void end(Namespace namespace, String address) {
    Stream stream = streams.remove(new Key(namespace.name(), address));
    if (stream != null) {
      stream.consumer().unregister();
    }
  }

  int active() {
    return streams.size();
  }
}
