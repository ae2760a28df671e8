package dev.switchboard.supervisor.logs;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The bounds on what a {@link LogPipeline}'s sources keep stored: the newest {@code maxLines} lines
 * and {@code maxBytes} bytes of text of each. The count needs no query (seq numbers the lines); the
 * bytes are added up in PostgreSQL only for sources that stored something since their last check. A
 * source closed since the last trim (a finished deployment) is bounded once more, then only its age
 * counts.
 */
final class LogRetention {

  private final LogStore store;

  /** For each source: its last seq when its stored bytes were last brought under the bound. */
  private final Map<String, Long> bytesCheckedThrough = new HashMap<>();

  /** Sources closed since the last trim, with their last seq: trimmed once more, then forgotten. */
  private final Map<String, Long> closedSince = new LinkedHashMap<>();

  LogRetention(LogStore store) {
    this.store = store;
  }

  void closed(String sourceId, long lastSeq) {
    bytesCheckedThrough.remove(sourceId);
    closedSince.put(sourceId, lastSeq);
  }

  /**
   * @param open the last seq of every open source
   * @param visibleThrough the last seq of a source that is surely stored (lines still on their way
   *     are counted at the next check)
   */
  Future<Void> trim(
      Map<String, Long> open, ToLongFunction<String> visibleThrough, long maxLines, long maxBytes) {
    Map<String, Long> lastSeqs = new LinkedHashMap<>(closedSince);
    closedSince.clear();
    lastSeqs.putAll(open);
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Long> entry : lastSeqs.entrySet()) {
      String sourceId = entry.getKey();
      long last = entry.getValue();
      if (last > maxLines) {
        chain = chain.compose(v -> store.trim(sourceId, last - maxLines).mapEmpty());
      }
      if (last != bytesCheckedThrough.getOrDefault(sourceId, -1L)) {
        chain =
            chain.compose(
                v -> {
                  long stored = Math.min(last, visibleThrough.applyAsLong(sourceId));
                  return store
                      .trimBytes(sourceId, maxBytes)
                      .map(
                          deleted -> {
                            bytesCheckedThrough.put(sourceId, stored);
                            return null;
                          });
                });
      }
    }
    return chain;
  }
}
