package dev.switchboard.files.watch;

import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One directory under OS watch, shared by every watch that covers it: what its entries were when
 * last published, and which entries saw events since. Guarded by the {@link Watcher} that owns it.
 */
final class WatchedDirectory {

  /**
   * An entry as last published. The file key (device and inode on Linux) tells a file replaced by a
   * rename from one rewritten in place.
   */
  record Entry(long size, FileTime modified, Object fileKey, boolean directory) {}

  /** An entry that saw events: when the first and the last came, in milliseconds. */
  private record Dirty(long first, long last) {}

  final Path path;
  final WatchKey key;
  final Map<String, Entry> entries = new HashMap<>();
  final Set<Watch> watchers = new HashSet<>();
  private final Map<String, Dirty> dirty = new HashMap<>();

  WatchedDirectory(Path path, WatchKey key) {
    this.path = path;
    this.key = key;
  }

  void touch(String name, long now) {
    dirty.merge(name, new Dirty(now, now), (old, fresh) -> new Dirty(old.first(), now));
  }

  /**
   * Hands every entry that has been quiet for {@code quietMillis}, or waited {@code maxDelayMillis}
   * in all, to {@code due}, and forgets it.
   */
  void drainDue(long now, long quietMillis, long maxDelayMillis, Consumer<String> due) {
    Iterator<Map.Entry<String, Dirty>> it = dirty.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Dirty> next = it.next();
      Dirty times = next.getValue();
      if (now - times.last() >= quietMillis || now - times.first() >= maxDelayMillis) {
        it.remove();
        due.accept(next.getKey());
      }
    }
  }

  /** When the next dirty entry is due; {@link Long#MAX_VALUE} while none is. */
  long nextDue(long quietMillis, long maxDelayMillis) {
    long next = Long.MAX_VALUE;
    for (Dirty times : dirty.values()) {
      next = Math.min(next, Math.min(times.last() + quietMillis, times.first() + maxDelayMillis));
    }
    return next;
  }
}
