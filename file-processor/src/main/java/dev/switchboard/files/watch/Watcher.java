package dev.switchboard.files.watch;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every watch of the process on one JDK {@link WatchService} (inotify on Linux), read by one thread
 * of its own. The OS reports that something happened to an entry; what happened is decided when the
 * entry has been quiet for a while, by comparing it with what was last published: absent then and
 * present now is {@code created}, present then and absent now {@code deleted}, present both times
 * and different {@code changed}, absent both times nothing. So an editor's save (write to a
 * temporary file, rename over the original) is one {@code changed}, created-then-deleted is
 * nothing, and a lost event costs nothing: when the OS queue overflows, the directory is listed
 * again and every entry compared.
 *
 * <p>The state is guarded by this object's lock: {@link #watch} and {@link #unwatch} run on the
 * caller's (blocking) thread, events and publication on the watcher thread.
 */
final class Watcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);

  /** Keys handled before pending changes are flushed, so that a storm cannot hold them back. */
  private static final int KEYS_PER_ROUND = 1_000;

  /** Checked for shutdown this often while nothing is pending. */
  private static final long IDLE_POLL_MILLIS = 1_000;

  private final WatchService service;
  private final WatchOptions options;
  private final WatchRoots roots;
  private final BiConsumer<String, JsonObject> publisher;
  private final Map<String, Watch> watches = new HashMap<>();
  private final Map<Path, WatchedDirectory> directories = new HashMap<>();
  private final Map<WatchKey, WatchedDirectory> byKey = new HashMap<>();
  private final Counter changes;
  private final Counter overflows;
  private final Thread thread;

  /**
   * @param publisher gets each watch's id and a message for it: {@code {changes: [...]}} or {@code
   *     {error: {code, message}}}; called on the watcher thread
   */
  private Watcher(
      WatchService service,
      WatchOptions options,
      BiConsumer<String, JsonObject> publisher,
      MeterRegistry registry) {
    this.service = service;
    this.options = options;
    this.roots = new WatchRoots(options.roots());
    this.publisher = publisher;
    this.changes =
        Counter.builder("files.watch.changes")
            .description("Changes published by directory watches")
            .register(registry);
    this.overflows =
        Counter.builder("files.watch.overflows")
            .description("Times the OS dropped events and a directory was listed again instead")
            .register(registry);
    Gauge.builder("files.watch.watches", this, Watcher::watchCount)
        .description("Directory watches held")
        .register(registry);
    Gauge.builder("files.watch.directories", this, Watcher::directoryCount)
        .description("Directories under OS watch")
        .register(registry);
    this.thread = new Thread(this::run, "switchboard-watch");
    this.thread.setDaemon(true);
  }

  /** Opens the watch service and starts reading it. */
  static Watcher open(
      WatchOptions options, BiConsumer<String, JsonObject> publisher, MeterRegistry registry)
      throws IOException {
    Watcher watcher =
        new Watcher(FileSystems.getDefault().newWatchService(), options, publisher, registry);
    watcher.thread.start();
    return watcher;
  }

  /**
   * {@code native} when the OS reports changes (inotify), {@code polling} when the JDK lists every
   * directory every few seconds instead (macOS, for one).
   */
  String mode() {
    return service.getClass().getSimpleName().startsWith("Polling") ? "polling" : "native";
  }

  /**
   * Adds {@code holder} to the watch {@code body} asks for, starting it when nobody holds it yet.
   *
   * @return the watch's id
   */
  synchronized String watch(JsonObject body, String holder) {
    WatchRequest request = WatchRequest.parse(body, roots);
    Watch watch = watches.get(request.id());
    if (watch == null) {
      if (watches.size() >= options.maxWatches()) {
        throw new ApiException(
            ErrorType.CONFLICT,
            watches.size()
                + " directories are watched, as many as WATCH_MAX allows: unwatch one first",
            null);
      }
      watch = start(request);
      watches.put(watch.id, watch);
    }
    watch.holders.add(holder);
    return watch.id;
  }

  /**
   * Takes {@code holder} off a watch, and ends the watch when it was the last.
   *
   * @return whether the watch ended
   */
  synchronized boolean unwatch(String watchId, String holder) {
    Watch watch = watches.get(watchId);
    if (watch == null) {
      throw ApiException.notFound("no watch " + watchId);
    }
    watch.holders.remove(holder);
    if (!watch.holders.isEmpty()) {
      return false;
    }
    watches.remove(watchId);
    for (WatchedDirectory directory : List.copyOf(watch.directories)) {
      detach(watch, directory);
    }
    return true;
  }

  synchronized int watchCount() {
    return watches.size();
  }

  /** Directories under OS watch, each counted once however many watches cover it. */
  synchronized int directoryCount() {
    return directories.size();
  }

  @Override
  public void close() throws IOException {
    service.close();
    try {
      thread.join(IDLE_POLL_MILLIS * 2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- starting and ending ----

  private Watch start(WatchRequest request) {
    Watch watch = new Watch(request);
    List<Path> found = request.recursive() ? tree(watch) : List.of(request.directory());
    try {
      for (Path directory : found) {
        attach(watch, directory, false);
      }
    } catch (IOException e) {
      for (WatchedDirectory directory : List.copyOf(watch.directories)) {
        detach(watch, directory);
      }
      throw refusal(request.directory(), e);
    }
    return watch;
  }

  /** The watched directory and every one under it that no glob excludes, links not followed. */
  private List<Path> tree(Watch watch) {
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(
          watch.root(),
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              if (!dir.equals(watch.root()) && watch.excludes(dir)) {
                return FileVisitResult.SKIP_SUBTREE;
              }
              if (found.size() == options.maxDirectories()) {
                throw ApiException.invalid(
                    "path",
                    "more than "
                        + options.maxDirectories()
                        + " directories are under it (WATCH_MAX_DIRECTORIES): watch a narrower"
                        + " directory or exclude some");
              }
              found.add(dir);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              // an unreadable directory cannot be watched either; its parent still reports it
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw refusal(watch.root(), e);
    }
    return found;
  }

  /**
   * Puts {@code path} under OS watch for {@code watch} (once for every watch covering it). A
   * directory found after its watch started reports what it holds as created: its entries may have
   * been written before the OS watched it.
   */
  private WatchedDirectory attach(Watch watch, Path path, boolean foundLater) throws IOException {
    WatchedDirectory directory = directories.get(path);
    if (directory == null) {
      WatchKey key = path.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
      directory = new WatchedDirectory(path, key);
      directories.put(path, directory);
      byKey.put(key, directory);
      long now = millis();
      for (Map.Entry<String, WatchedDirectory.Entry> entry : list(path).entrySet()) {
        if (foundLater) {
          directory.touch(entry.getKey(), now);
        } else {
          directory.entries.put(entry.getKey(), entry.getValue());
        }
      }
    }
    directory.watchers.add(watch);
    watch.directories.add(directory);
    return directory;
  }

  private void detach(Watch watch, WatchedDirectory directory) {
    watch.directories.remove(directory);
    directory.watchers.remove(watch);
    if (directory.watchers.isEmpty()) {
      directory.key.cancel();
      directories.remove(directory.path);
      byKey.remove(directory.key);
    }
  }

  /**
   * Why a directory cannot be watched, for the client: the OS limit of watches or instances (a 503,
   * since only the operator can raise it), or the directory itself.
   */
  static ApiException refusal(Path directory, IOException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    if (message.contains("inotify")) {
      return ApiException.unavailable(
          "the OS limit of directory watches is reached ("
              + message
              + "); raise fs.inotify.max_user_watches or watch fewer directories");
    }
    if (e instanceof NoSuchFileException) {
      return ApiException.notFound("'" + directory + "' does not exist any more");
    }
    return ApiException.invalid("path", "'" + directory + "' cannot be watched: " + message);
  }

  // ---- the watcher thread ----

  /** Until the service is closed; a round that fails is logged and the next one goes on. */
  private void run() {
    try {
      while (true) {
        WatchKey key = service.poll(waitMillis(), TimeUnit.MILLISECONDS);
        synchronized (this) {
          try {
            for (int handled = 0; key != null && handled < KEYS_PER_ROUND; handled++) {
              handle(key);
              key = handled + 1 < KEYS_PER_ROUND ? service.poll() : null;
            }
            flush(millis());
          } catch (ClosedWatchServiceException e) {
            throw e;
          } catch (RuntimeException e) {
            LOG.error("a round of the directory watcher failed", e);
          }
        }
      }
    } catch (ClosedWatchServiceException e) {
      LOG.debug("watch service closed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized long waitMillis() {
    long next = Long.MAX_VALUE;
    for (WatchedDirectory directory : directories.values()) {
      next = Math.min(next, directory.nextDue(quietMillis(), maxDelayMillis()));
    }
    return next == Long.MAX_VALUE ? IDLE_POLL_MILLIS : Math.max(1, next - millis());
  }

  private void handle(WatchKey key) {
    WatchedDirectory directory = byKey.get(key);
    List<WatchEvent<?>> events = key.pollEvents();
    if (directory == null) {
      return;
    }
    long now = millis();
    for (WatchEvent<?> event : events) {
      if (event.kind() == OVERFLOW) {
        overflows.increment();
        rescan(directory, now);
      } else {
        String name = event.context().toString();
        directory.touch(name, now);
        if (event.kind() == ENTRY_CREATE) {
          discover(directory, name);
        } else if (event.kind() == ENTRY_DELETE) {
          // deleted or moved away: a moved directory's OS watch would go on under its old name
          WatchedDirectory child = directories.get(directory.path.resolve(name));
          if (child != null) {
            gone(child);
          }
        }
      }
    }
    if (!key.reset()) {
      gone(directory);
    }
  }

  /** Events were lost: every entry the directory has or had is compared again. */
  private void rescan(WatchedDirectory directory, long now) {
    for (String name : new HashSet<>(directory.entries.keySet())) {
      directory.touch(name, now);
    }
    try {
      for (String name : list(directory.path).keySet()) {
        directory.touch(name, now);
        discover(directory, name);
      }
    } catch (IOException e) {
      LOG.debug("cannot list {} again", directory.path, e);
    }
  }

  /** A new entry that is a directory is watched by every recursive watch that follows it. */
  private void discover(WatchedDirectory parent, String name) {
    Path child = parent.path.resolve(name);
    if (!Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    for (Watch watch : List.copyOf(parent.watchers)) {
      WatchedDirectory known = directories.get(child);
      if (!watch.follows(child) || known != null && known.watchers.contains(watch)) {
        continue;
      }
      if (watch.directories.size() >= options.maxDirectories()) {
        report(
            watch,
            "limit",
            "'"
                + watch.root().relativize(child)
                + "' is not watched: this watch covers "
                + options.maxDirectories()
                + " directories, as many as WATCH_MAX_DIRECTORIES allows");
        continue;
      }
      try {
        WatchedDirectory added = attach(watch, child, true);
        for (String grandchild : list(child).keySet()) {
          discover(added, grandchild);
        }
      } catch (IOException e) {
        report(
            watch,
            "unavailable",
            "'"
                + watch.root().relativize(child)
                + "' is not watched: "
                + refusal(child, e).getMessage());
      }
    }
  }

  /**
   * The directory is gone (deleted, moved away or unmounted): whatever it held is deleted now, and
   * it is watched no more.
   */
  private void gone(WatchedDirectory directory) {
    for (String name : directory.entries.keySet()) {
      publishChange(directory, name, ChangeType.DELETED, null);
    }
    directory.entries.clear();
    for (Watch watch : List.copyOf(directory.watchers)) {
      detach(watch, directory);
    }
    publishOutgoing();
  }

  // ---- deciding and publishing ----

  private void flush(long now) {
    for (WatchedDirectory directory : directories.values()) {
      directory.drainDue(now, quietMillis(), maxDelayMillis(), name -> settle(directory, name));
    }
    publishOutgoing();
  }

  /** Compares an entry that went quiet with what was last published of it. */
  private void settle(WatchedDirectory directory, String name) {
    WatchedDirectory.Entry before = directory.entries.get(name);
    WatchedDirectory.Entry now = stat(directory.path.resolve(name));
    if (now == null) {
      if (before != null) {
        directory.entries.remove(name);
        publishChange(directory, name, ChangeType.DELETED, null);
      }
    } else if (before == null) {
      directory.entries.put(name, now);
      publishChange(directory, name, ChangeType.CREATED, now);
    } else if (!before.equals(now)) {
      directory.entries.put(name, now);
      publishChange(directory, name, ChangeType.CHANGED, now);
    }
  }

  private void publishChange(
      WatchedDirectory directory, String name, ChangeType type, WatchedDirectory.Entry entry) {
    Path path = directory.path.resolve(name);
    for (Watch watch : directory.watchers) {
      if (watch.excludes(path)) {
        continue;
      }
      JsonObject change =
          new JsonObject()
              .put("watchId", watch.id)
              .put("path", watch.root().relativize(path).toString())
              .put("changeType", type.wire());
      if (entry != null) {
        change
            .put("size", entry.size())
            .put("mtime", entry.modified().toInstant().toString())
            .put("directory", entry.directory());
      }
      watch.outgoing.add(change);
    }
  }

  /** Each watch's changes, in messages of at most {@code batchSize}. */
  private void publishOutgoing() {
    for (Watch watch : watches.values()) {
      List<JsonObject> pending = watch.outgoing;
      for (int from = 0; from < pending.size(); from += options.batchSize()) {
        List<JsonObject> batch =
            pending.subList(from, Math.min(pending.size(), from + options.batchSize()));
        publisher.accept(
            watch.id, new JsonObject().put("changes", new JsonArray(List.copyOf(batch))));
        changes.increment(batch.size());
      }
      pending.clear();
    }
  }

  /** Tells a watch's holders what it cannot do, rather than leaving them to wonder. */
  private void report(Watch watch, String code, String message) {
    LOG.warn("watch {} of {}: {}", watch.id, watch.root(), message);
    publisher.accept(
        watch.id,
        new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)));
  }

  // ---- the file system ----

  /** The entries of a directory, links not followed; those that vanish meanwhile are left out. */
  private static Map<String, WatchedDirectory.Entry> list(Path directory) throws IOException {
    Map<String, WatchedDirectory.Entry> entries = new HashMap<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path child : stream) {
        WatchedDirectory.Entry entry = stat(child);
        if (entry != null) {
          entries.put(child.getFileName().toString(), entry);
        }
      }
    }
    return entries;
  }

  /** The entry as it is now, links not followed; null when it does not exist. */
  private static WatchedDirectory.Entry stat(Path path) {
    try {
      BasicFileAttributes attributes =
          Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return new WatchedDirectory.Entry(
          attributes.size(),
          attributes.lastModifiedTime(),
          attributes.fileKey(),
          attributes.isDirectory());
    } catch (IOException e) {
      return null;
    }
  }

  private long quietMillis() {
    return options.quietWindow().toMillis();
  }

  private long maxDelayMillis() {
    return options.maxDelay().toMillis();
  }

  private static long millis() {
    return System.nanoTime() / 1_000_000;
  }
}
