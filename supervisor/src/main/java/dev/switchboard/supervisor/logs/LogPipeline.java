package dev.switchboard.supervisor.logs;

import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.observability.Telemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Moves lines from the {@link LogSource}s to their two destinations, on the event loop, every
 * {@code tick}: the live stream (published on the source's address in batches, at most {@code
 * liveLinesPerTick} per source per tick: a follower is told how many it skipped, and the database
 * still gets them all) and PostgreSQL (multi-row inserts of up to {@code batchRows}, {@code
 * insertsInFlight} at a time). Every stage is bounded: a source holds at most {@code capacity}
 * lines, the database backlog (with the inserts in flight) at most {@code capacity * 4}; beyond
 * that lines are dropped, counted in {@code
 * switchboard_supervisor_log_lines_total{outcome="dropped"}}, and a note in the log itself says how
 * many, which seq numbers and when.
 *
 * <p>When the database goes away, a failed insert goes back to the front of the backlog and the
 * pipeline waits ({@link LogWriter}, an {@code Outage}: capped, jittered exponential backoff,
 * logged once when it begins and once when it ends) before it tries again with one insert at a
 * time; the sources keep filling the bounded backlog meanwhile. Inserts are started by a loop,
 * never from the completion of the previous one, so a database that fails at once cannot nest
 * calls.
 */
public final class LogPipeline {

  /** Rendered {@code switchboard_supervisor_log_lines_total} by Prometheus. */
  public static final String LINES_METER = "supervisor.log.lines";

  private final Vertx vertx;
  private final LogStore store;
  private final LogOptions options;
  private final Clock clock;
  private final Map<String, Registered> sources = new LinkedHashMap<>();
  private final Counter readLines;
  private final Counter droppedLines;
  private final LogRetention retention;
  private final LogWriter writer;

  private long timer = -1;

  /**
   * A source and where its live lines go: {@code {<field>: <name>, lines, skipped?}} on {@code
   * address}.
   */
  private record Registered(LogSource source, String address, String field, String name) {}

  /**
   * @param database told when inserts fail for want of the database, for {@code /readiness}
   */
  public LogPipeline(
      Vertx vertx, LogStore store, DatabaseStatus database, LogOptions options, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.options = options;
    this.clock = clock;
    this.retention = new LogRetention(store);
    MeterRegistry registry = Telemetry.registry();
    readLines = counter(registry, "read");
    droppedLines = counter(registry, "dropped");
    writer =
        new LogWriter(
            vertx, store, database, options, clock, counter(registry, "stored"), this::dropNotes);
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder(LINES_METER)
        .tag("outcome", outcome)
        .description(
            "Lines of managed-process output: read, stored in PostgreSQL, or dropped because storage fell behind")
        .register(registry);
  }

  public LogOptions options() {
    return options;
  }

  public void start() {
    timer = vertx.setPeriodic(options.tick().toMillis(), id -> tick());
  }

  /** Stops the ticking and writes what is left; the future completes when it is stored. */
  public Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    collect();
    return writer.flush();
  }

  /**
   * The source of {@code sourceId} ({@code service:web1}), created on first use with its numbering
   * continued from what the database holds.
   */
  public Future<LogSource> open(String sourceId, String address, String field, String name) {
    Registered known = sources.get(sourceId);
    if (known != null) {
      return Future.succeededFuture(known.source());
    }
    return store
        .lastSeq(sourceId)
        .map(
            last -> {
              Registered again = sources.get(sourceId);
              if (again != null) {
                return again.source();
              }
              LogSource source =
                  new LogSource(sourceId, last, options.capacity(), options.tailSize(), clock);
              sources.put(sourceId, new Registered(source, address, field, name));
              return source;
            });
  }

  public LogSource source(String sourceId) {
    Registered registered = sources.get(sourceId);
    return registered == null ? null : registered.source();
  }

  /**
   * Forgets a source after moving what it holds on; its stored lines stay. The future completes
   * once what was waiting for the database has been written.
   */
  public Future<Void> close(String sourceId) {
    collect();
    Registered closed = sources.remove(sourceId);
    if (closed != null) {
      retention.closed(sourceId, closed.source().lastSeq());
    }
    return writer.flush();
  }

  /**
   * The last {@code limit} lines of a source, oldest first: what the database holds, joined with
   * the recent lines kept in memory (which covers lines still on their way to the database, and
   * inserts that commit out of order). Every line published live after this answer has a higher
   * seq.
   */
  public Future<List<LogLine>> tail(String sourceId, int limit) {
    return store
        .query(sourceId, new LogQuery(null, null, null, null, null, limit))
        .map(
            stored -> {
              collect();
              TreeMap<Long, LogLine> lines = new TreeMap<>();
              stored.forEach(line -> lines.put(line.seq(), line));
              Registered registered = sources.get(sourceId);
              if (registered != null) {
                registered.source().tail().forEach(line -> lines.put(line.seq(), line));
              }
              List<LogLine> all = new ArrayList<>(lines.values());
              return all.size() > limit
                  ? List.copyOf(all.subList(all.size() - limit, all.size()))
                  : all;
            });
  }

  /**
   * Keeps at most {@code maxLines} stored lines and {@code maxBytes} bytes of text of every source,
   * the newest (see {@link LogRetention}).
   */
  public Future<Void> trimAll(long maxLines, long maxBytes) {
    Map<String, Long> lastSeqs = new LinkedHashMap<>();
    sources
        .values()
        .forEach(
            registered -> lastSeqs.put(registered.source().id(), registered.source().lastSeq()));
    return retention.trim(lastSeqs, writer::visibleThrough, maxLines, maxBytes);
  }

  void tick() {
    collect();
    writer.write();
  }

  /** Takes what every source holds, publishes it live and queues it for the database. */
  private void collect() {
    for (Registered registered : sources.values()) {
      long[] counts = registered.source().takeCounts();
      readLines.increment(counts[0]);
      droppedLines.increment(counts[1]);
      List<LogLine> lines = registered.source().drain();
      if (lines.isEmpty()) {
        continue;
      }
      registered.source().remember(lines);
      publish(registered, lines);
      int room = writer.room();
      List<LogLine> lost = new ArrayList<>();
      for (LogLine line : lines) {
        // the supervisor's own notes (starts, exits) are few and always kept
        if (room > 0 || LogLine.NOTE.equals(line.stream())) {
          writer.add(new LogStore.SourcedLine(registered.source().id(), line));
          room--;
        } else {
          lost.add(line);
        }
      }
      if (!lost.isEmpty()) {
        registered.source().lost(lost);
        droppedLines.increment(lost.size());
        writer.dropped(lost.size());
      }
    }
  }

  /**
   * The notes of what each source dropped since its last note, to be stored with the next insert.
   */
  private List<LogStore.SourcedLine> dropNotes() {
    List<LogStore.SourcedLine> notes = new ArrayList<>();
    for (Registered registered : sources.values()) {
      LogLine note = registered.source().dropNote();
      if (note != null) {
        notes.add(new LogStore.SourcedLine(registered.source().id(), note));
      }
    }
    return notes;
  }

  private void publish(Registered registered, List<LogLine> lines) {
    int skipped = Math.max(0, lines.size() - options.liveLinesPerTick());
    JsonObject batch =
        new JsonObject()
            .put(registered.field(), registered.name())
            .put(
                "lines",
                LogStore.toJson(skipped == 0 ? lines : lines.subList(skipped, lines.size())));
    if (skipped > 0) {
      batch.put("skipped", skipped);
    }
    vertx.eventBus().publish(registered.address(), batch);
  }

  /**
   * Queries a source's stored lines as they stand: with two inserts in flight a later one may
   * commit first, so lines are shown only up to the first one still on its way to the database (in
   * flight or waiting in the backlog). A query never shows a gap that fills a moment later.
   */
  public Future<List<LogLine>> query(String sourceId, LogQuery query) {
    return store.query(sourceId, query, writer.visibleThrough(sourceId));
  }

  /**
   * The highest sequence number up to which every line of the source is stored or counted as
   * dropped.
   */
  long visibleThrough(String sourceId) {
    return writer.visibleThrough(sourceId);
  }
}
