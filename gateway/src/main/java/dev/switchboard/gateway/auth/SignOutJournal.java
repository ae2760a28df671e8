package dev.switchboard.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's own sign-outs, kept in a file of its DATA_DIR until every JWT of them has expired.
 *
 * <p>Why: the database may be away at a sign-out. A gateway restarted before it answers again had
 * neither written that sign-out nor could it load it, so a copy of the session's JWT was good again
 * and renewable for the session's whole max age. The file is the gateway's own memory across its
 * restarts; the database is what gateways share.
 *
 * <p>One line a sign-out, {@code <session id> <refused until, epoch ms>}: appended at each
 * sign-out, and written anew without the expired lines once those outnumber the others. Its content
 * is bounded like the set ({@code capacity}: the oldest sign-out goes first). File operations run
 * on worker threads, one after the other in the order they were asked for; a failure is logged once
 * until one succeeds again. Used on the gateway's event loop.
 */
final class SignOutJournal {

  private static final Logger LOG = LoggerFactory.getLogger(SignOutJournal.class);

  /** Expired lines the file may hold beyond the live ones before it is written anew. */
  private static final int SLACK = 64;

  private final Vertx vertx;
  private final Path file;
  private final Clock clock;
  private final int capacity;

  /** The sign-outs in the file that have not expired, in the order they were made. */
  private final Map<String, Instant> live = new LinkedHashMap<>();

  private int lines;
  private boolean failing;

  SignOutJournal(Vertx vertx, Path file, Clock clock, int capacity) {
    this.vertx = vertx;
    this.file = file;
    this.clock = clock;
    this.capacity = capacity;
  }

  /**
   * Reads the sign-outs in the file that have not expired, the oldest first; none when there is no
   * file.
   */
  Future<Map<String, Instant>> load() {
    Instant now = clock.instant();
    return blocking(
            () -> {
              List<String> read;
              try {
                read = Files.readAllLines(file, StandardCharsets.UTF_8);
              } catch (NoSuchFileException none) {
                read = List.of();
              }
              return read;
            })
        .map(
            read -> {
              lines = read.size();
              for (String line : read) {
                int space = line.indexOf(' ');
                if (space > 0) {
                  try {
                    Instant until = Instant.ofEpochMilli(Long.parseLong(line.substring(space + 1)));
                    if (until.isAfter(now)) {
                      keep(line.substring(0, space), until);
                    }
                  } catch (NumberFormatException | DateTimeException torn) {
                    // a line cut short by a crash while it was appended
                  }
                }
              }
              Map<String, Instant> oldestFirst = new LinkedHashMap<>(live);
              return oldestFirst;
            })
        .otherwise(Map.of());
  }

  /** Adds a sign-out to the file; completes once it is on disk, or could not be written. */
  Future<Void> append(String id, Instant until) {
    keep(id, until);
    String line = id + " " + until.toEpochMilli() + "\n";
    lines++;
    return blocking(
            () -> {
              if (!Files.exists(file)) {
                Files.createFile(
                    file,
                    PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
              }
              Files.writeString(
                  file,
                  line,
                  StandardCharsets.UTF_8,
                  StandardOpenOption.APPEND,
                  StandardOpenOption.SYNC);
              return null;
            })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** Forgets the expired sign-outs; writes the file anew once they outnumber the others. */
  void purge() {
    Instant now = clock.instant();
    live.values().removeIf(until -> !until.isAfter(now));
    if (lines <= 2 * live.size() + SLACK) {
      return;
    }
    StringBuilder content = new StringBuilder();
    live.forEach(
        (id, until) -> content.append(id).append(' ').append(until.toEpochMilli()).append('\n'));
    lines = live.size();
    blocking(
        () -> {
          Path next = file.resolveSibling(file.getFileName() + ".next");
          Files.writeString(next, content, StandardCharsets.UTF_8);
          Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
          Files.move(
              next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          return null;
        });
  }

  /** The live sign-outs, bounded by {@code capacity}: the oldest goes for a new one. */
  private void keep(String id, Instant until) {
    Instant before = live.remove(id);
    live.put(id, before != null && before.isAfter(until) ? before : until);
    Iterator<String> oldest = live.keySet().iterator();
    while (live.size() > capacity) {
      oldest.next();
      oldest.remove();
    }
  }

  /** Runs {@code io} on a worker thread after what was asked before it; logs a failure once. */
  private <T> Future<T> blocking(Callable<T> io) {
    return vertx
        .executeBlocking(io, true)
        .onSuccess(
            done -> {
              if (failing) {
                failing = false;
                LOG.info("signed-out sessions: {} is written again", file);
              }
            })
        .onFailure(
            err -> {
              if (!failing) {
                failing = true;
                LOG.warn(
                    "signed-out sessions: cannot read or write {} ({}); a restart while the"
                        + " database is away forgets the sign-outs the database has not stored",
                    file,
                    err.toString());
              }
            });
  }
}
