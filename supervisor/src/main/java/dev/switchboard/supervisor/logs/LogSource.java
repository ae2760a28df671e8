package dev.switchboard.supervisor.logs;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of one service or deployment on their way from the reader threads to the database and
 * the live stream. Readers {@link #append} from their own threads; the pipeline {@link #drain}s on
 * the event loop. What waits here is bounded: when the consumer side falls behind by more than
 * {@code capacity} lines, new lines are dropped and counted, and the next drain carries a note that
 * says how many (never silent, never unbounded).
 *
 * <p>It also keeps the most recent lines, so that a new follower gets the tail at once.
 */
public final class LogSource {

  private final String id;
  private final int capacity;
  private final int tailSize;
  private final Clock clock;

  // guarded by this
  private long seq;
  private List<LogLine> pending = new ArrayList<>();
  private long droppedSinceDrain;
  private long read;
  private long dropped;
  private long readUncounted;
  private long droppedUncounted;

  // event loop only
  private final ArrayDeque<LogLine> tail = new ArrayDeque<>();

  LogSource(String id, long lastSeq, int capacity, int tailSize, Clock clock) {
    this.id = id;
    this.seq = lastSeq;
    this.capacity = capacity;
    this.tailSize = tailSize;
    this.clock = clock;
  }

  public String id() {
    return id;
  }

  /**
   * Adds lines read from {@code stream}; any thread. Returns how many were taken (the rest were
   * dropped).
   */
  public synchronized int append(String stream, List<String> lines) {
    var now = clock.instant();
    int room = Math.max(0, capacity - pending.size());
    int taken = Math.min(room, lines.size());
    for (int i = 0; i < taken; i++) {
      pending.add(new LogLine(++seq, now, stream, lines.get(i)));
    }
    read += lines.size();
    readUncounted += lines.size();
    int lost = lines.size() - taken;
    droppedSinceDrain += lost;
    dropped += lost;
    droppedUncounted += lost;
    return taken;
  }

  /** A line of the supervisor's own (starts, exits, restarts): rare, and never dropped. */
  public synchronized void note(String text) {
    pending.add(new LogLine(++seq, clock.instant(), LogLine.NOTE, text));
  }

  /** Takes what waits. */
  synchronized List<LogLine> drain() {
    if (pending.isEmpty()) {
      return List.of();
    }
    List<LogLine> lines = pending;
    pending = new ArrayList<>(Math.min(capacity, Math.max(16, lines.size())));
    return lines;
  }

  /**
   * Lines that were read but could not be kept further down (the database backlog was full, or an
   * insert failed); they are reported in the next {@link #dropNote()}.
   */
  synchronized void lost(long count) {
    droppedSinceDrain += count;
    dropped += count;
  }

  /**
   * The note that says how many lines were dropped since the last one, or null when none were. The
   * pipeline writes it straight into the next insert, past the bounded queues, so a report of a
   * drop is never dropped itself.
   */
  synchronized LogLine dropNote() {
    if (droppedSinceDrain == 0) {
      return null;
    }
    LogLine note =
        new LogLine(
            ++seq,
            clock.instant(),
            LogLine.NOTE,
            "[switchboard] "
                + droppedSinceDrain
                + " lines dropped: output came faster than it could be stored");
    droppedSinceDrain = 0;
    return note;
  }

  /**
   * Lines read and lines dropped here since the last call: {@code [read, dropped]}, for the
   * metrics.
   */
  synchronized long[] takeCounts() {
    long[] counts = {readUncounted, droppedUncounted};
    readUncounted = 0;
    droppedUncounted = 0;
    return counts;
  }

  synchronized long read() {
    return read;
  }

  synchronized long dropped() {
    return dropped;
  }

  synchronized long lastSeq() {
    return seq;
  }

  void remember(List<LogLine> lines) {
    int from = Math.max(0, lines.size() - tailSize);
    for (int i = from; i < lines.size(); i++) {
      if (tail.size() == tailSize) {
        tail.removeFirst();
      }
      tail.addLast(lines.get(i));
    }
  }

  /** The most recent lines, oldest first; event loop only. */
  List<LogLine> tail() {
    return List.copyOf(tail);
  }
}
