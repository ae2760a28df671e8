package dev.switchboard.supervisor.logs;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of one service or deployment on their way from the reader threads to the database and
 * the live stream. Readers {@link #append} from their own threads; the pipeline {@link #drain}s on
 * the event loop. What waits here is bounded: when the consumer side falls behind by more than
 * {@code capacity} lines, new lines are dropped and counted, and the next drain carries a note that
 * says how many, which seq numbers and what span of time they had (never silent, never unbounded).
 * A dropped line still takes its seq number, so the stored log shows the gap the note describes.
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
  private Gap gap;
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
    if (lost > 0) {
      widenGap(seq + 1, seq + lost, now, lost);
      seq += lost;
      droppedUncounted += lost;
    }
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
   * Lines that were read but could not be kept further down (the database backlog was full while
   * the database was slow or away); they are reported in the next {@link #dropNote()}.
   */
  synchronized void lost(List<LogLine> lines) {
    for (LogLine line : lines) {
      widenGap(line.seq(), line.seq(), line.at(), 1);
    }
  }

  private void widenGap(long firstSeq, long lastSeq, Instant at, long count) {
    gap =
        gap == null
            ? new Gap(count, firstSeq, lastSeq, at, at)
            : gap.widen(count, firstSeq, lastSeq, at);
    dropped += count;
  }

  /**
   * The note that says how many lines were dropped since the last one, their seq numbers and when
   * they were read, or null when none were. The pipeline writes it straight into the next insert,
   * past the bounded queues, so a report of a drop is never dropped itself.
   */
  synchronized LogLine dropNote() {
    if (gap == null) {
      return null;
    }
    LogLine note =
        new LogLine(
            ++seq,
            clock.instant(),
            LogLine.NOTE,
            "[switchboard] "
                + gap.count()
                + " lines dropped"
                + " (seq "
                + gap.firstSeq()
                + " to "
                + gap.lastSeq()
                + ", read "
                + gap.from()
                + " to "
                + gap.to()
                + ")"
                + ": output came faster than it could be stored, or the database was away");
    gap = null;
    return note;
  }

  /**
   * Dropped lines not reported yet: how many, the lowest and highest seq among them, and when the
   * first and last were read.
   */
  private record Gap(long count, long firstSeq, long lastSeq, Instant from, Instant to) {
    Gap widen(long more, long first, long last, Instant at) {
      return new Gap(
          count + more,
          Math.min(firstSeq, first),
          Math.max(lastSeq, last),
          at.isBefore(from) ? at : from,
          at.isAfter(to) ? at : to);
    }
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
