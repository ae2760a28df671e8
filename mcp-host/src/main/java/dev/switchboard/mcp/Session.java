package dev.switchboard.mcp;

import dev.switchboard.common.auth.Caller;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One client's MCP session ({@code Mcp-Session-Id}): bound to an instance key, not to an instance,
 * so a session outlives its instance's idle stop (the next request starts a new instance, which the
 * host initializes as it did the first). Its standalone stream (GET) receives what concerns every
 * session (list changes, logging) and the progress of requests answered as plain JSON.
 */
final class Session {

  final String id;
  final InstanceKey key;
  final String protocolVersion;

  /** The capabilities its client's {@code initialize} declared (sampling, elicitation, roots). */
  final JsonObject capabilities;

  long lastSeen = System.currentTimeMillis();

  /**
   * Who the session's requests speak for, as its transport established it (the credential of the
   * HTTP request, of the WebSocket's upgrade, or of the hub's socket); null when unknown. What the
   * call audit records as the caller.
   */
  Caller caller;

  /** The transport: {@code http}, {@code socket} (the hub's) or {@code websocket}. */
  String via = "http";

  /** The client's request ids in flight (encoded) → the ids they carry to the server. */
  final Map<String, Long> inFlight = new HashMap<>();

  /**
   * The requests of the server passed on to this session's client, by the id the client got
   * (encoded): where its answer goes back.
   */
  final Map<String, Host.Asked> asked = new HashMap<>();

  /** The resource URIs its client subscribed to ({@code resources/subscribe}). */
  final java.util.Set<String> subscriptions = new java.util.HashSet<>();

  private HttpServerResponse stream;
  private Outlet outlet;

  // ---- SSE streams and their replay (resumption with Last-Event-ID) ----

  /** How many events, and how many bytes of them, a session keeps for replay. */
  record ReplayLimits(int events, long bytes) {
    static final ReplayLimits DEFAULT = new ReplayLimits(256, 1024 * 1024);
  }

  /**
   * One event of one of the session's SSE streams: stream 0 is the standalone one (GET), 1 and up
   * the POSTs' streams; its id on the wire is {@code <stream>-<seq>}, seq counting every event of
   * the session (so an id is unique across the session's streams and names its stream).
   */
  private record Event(int stream, long seq, Buffer frame, boolean last) {}

  private final ReplayLimits limits;
  private final java.util.ArrayDeque<Event> replay = new java.util.ArrayDeque<>();
  private long replayBytes;
  private long seq;
  private int streams;

  /**
   * Per stream, the highest seq of its events that left the replay buffer; at most as many streams
   * as the buffer holds events, the lowest forgotten first (up to {@link #forgotten}).
   */
  private final java.util.TreeMap<Integer, Long> evicted = new java.util.TreeMap<>();

  /** Streams up to this one may have lost events the map no longer tells of. */
  private int forgotten;

  /** The POST streams not yet ended (their answer not yet sent), and where they are written. */
  private final Map<Integer, HttpServerResponse> live = new HashMap<>();

  /**
   * Where a session of another transport (a hub socket, a WebSocket) gets what the standalone
   * stream would carry.
   */
  interface Outlet {
    /** False when it could not be delivered (the client does not keep up, or is gone). */
    boolean deliver(JsonObject message);

    /** Whether the client is connected in a way that keeps the instance from idling. */
    boolean open();

    /** The session ended (its definition was deleted, or the host stops). */
    void close();
  }

  Session(
      String id,
      InstanceKey key,
      String protocolVersion,
      JsonObject capabilities,
      ReplayLimits limits) {
    this.limits = limits;
    this.id = id;
    this.key = key;
    this.protocolVersion = protocolVersion;
    this.capabilities = capabilities == null ? new JsonObject() : capabilities;
  }

  /** Whether its client declared {@code capability} (say {@code sampling}) in its initialize. */
  boolean declared(String capability) {
    return capabilities.getValue(capability) instanceof JsonObject;
  }

  boolean hasStream() {
    return (stream != null && !stream.closed()) || (outlet != null && outlet.open());
  }

  /** Sends what concerns this session to {@code outlet} rather than to an SSE stream. */
  void outlet(Outlet outlet) {
    this.outlet = outlet;
  }

  void stream(HttpServerResponse response) {
    stream = response;
  }

  void closeStream() {
    if (stream != null && !stream.closed()) {
      stream.end();
    }
    stream = null;
    if (outlet != null) {
      outlet.close();
    }
  }

  /**
   * Sends {@code message} on the standalone stream; false when there is none, or when the client
   * does not keep up (its write queue is full): a slow client loses its notifications, it never
   * holds up the others.
   */
  boolean deliver(JsonObject message) {
    if (outlet != null) {
      return outlet.deliver(message);
    }
    if (!hasStream()) {
      return false;
    }
    // kept for replay even when not written: a client that resumes gets it
    Buffer frame = record(0, message, false);
    if (stream.writeQueueFull()) {
      return false;
    }
    stream.write(frame);
    return true;
  }

  /** A new POST stream of the session, written to {@code response}; its number. */
  int open(HttpServerResponse response) {
    int opened = ++streams;
    live.put(opened, response);
    return opened;
  }

  /**
   * Sends {@code message} as an event of POST stream {@code number}, kept for replay; {@code last}
   * (the answer) ends the stream. A related message is not written to a client that does not keep
   * up ({@code whenFull} false), an answer always is. False when it was not written.
   */
  boolean send(int number, JsonObject message, boolean last, boolean whenFull) {
    if (!live.containsKey(number)) {
      return false; // ended (or cancelled)
    }
    Buffer frame = record(number, message, last);
    HttpServerResponse response = last ? live.remove(number) : live.get(number);
    if (response == null || response.closed() || response.ended()) {
      return false;
    }
    if (last) {
      response.end(frame);
      return true;
    }
    if (!whenFull && response.writeQueueFull()) {
      return false;
    }
    response.write(frame);
    return true;
  }

  /** Ends POST stream {@code number} without an event (its request was cancelled). */
  void end(int number) {
    HttpServerResponse response = live.remove(number);
    if (response != null && !response.closed() && !response.ended()) {
      response.end();
    }
  }

  /** A stream's event, numbered and kept in the bounded replay buffer; its frame. */
  Buffer record(int number, JsonObject message, boolean last) {
    long next = ++seq;
    Buffer frame = Sse.event(number + "-" + next, message);
    replay.addLast(new Event(number, next, frame, last));
    replayBytes += frame.length();
    while (!replay.isEmpty() && (replay.size() > limits.events() || replayBytes > limits.bytes())) {
      Event gone = replay.removeFirst();
      replayBytes -= gone.frame().length();
      evicted.merge(gone.stream(), gone.seq(), Math::max);
      if (evicted.size() > limits.events()) {
        forgotten = Math.max(forgotten, evicted.pollFirstEntry().getKey());
      }
    }
    return frame;
  }

  /** Why a {@code Last-Event-ID} cannot be resumed from, or null when it can. */
  String unresumable(String lastEventId) {
    int dash = lastEventId.indexOf('-');
    int number;
    long last;
    try {
      number = Integer.parseInt(lastEventId.substring(0, Math.max(0, dash)));
      last = Long.parseLong(lastEventId.substring(dash + 1));
    } catch (NumberFormatException e) {
      return "is not an event id of this session";
    }
    if (number < 0 || number > streams || last < 1 || last > seq) {
      return "is not an event id of this session";
    }
    boolean buffered =
        replay.stream().anyMatch(event -> event.stream() == number && event.seq() > last);
    if (evicted.getOrDefault(number, 0L) > last || (number <= forgotten && !buffered)) {
      return "is older than this session's replay buffer ("
          + limits.events()
          + " events, "
          + limits.bytes()
          + " bytes, MCP_REPLAY_EVENTS and MCP_REPLAY_BYTES): events after it are lost;"
          + " open the stream again without Last-Event-ID";
    }
    if (number == 0 && hasStream()) {
      return "names the standalone stream, which is open already";
    }
    return null;
  }

  /**
   * Resumes the stream {@code lastEventId} names on {@code response} (checked with {@link
   * #unresumable}): writes the events of that stream after it, then carries the stream on (the
   * standalone stream, or a POST stream whose answer has not come) or ends the response.
   */
  void resume(String lastEventId, HttpServerResponse response) {
    int number = Integer.parseInt(lastEventId.substring(0, lastEventId.indexOf('-')));
    long last = Long.parseLong(lastEventId.substring(lastEventId.indexOf('-') + 1));
    boolean ended = number != 0 && !live.containsKey(number);
    for (Event event : replay) {
      if (event.stream() == number && event.seq() > last) {
        response.write(event.frame());
      }
    }
    if (number == 0) {
      stream(response);
    } else if (ended) {
      response.end();
    } else {
      HttpServerResponse old = live.put(number, response);
      if (old != null && old != response && !old.closed() && !old.ended()) {
        old.end();
      }
    }
  }
}
