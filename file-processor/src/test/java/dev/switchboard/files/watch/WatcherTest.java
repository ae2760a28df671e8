package dev.switchboard.files.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.common.testing.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher on real directories, with inotify: roots, coalescing, bursts, bounds, holders. */
class WatcherTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /**
   * Longer than the default, so that a test's steps meant as one change stay one on a loaded
   * machine.
   */
  private static final Duration QUIET = Duration.ofMillis(400);

  @TempDir Path root;
  @TempDir Path outside;

  /** Every message the watcher published: {watchId, message}. */
  private final Queue<JsonObject> published = new ConcurrentLinkedQueue<>();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private Watcher watcher;

  private Watcher open(int maxWatches, int maxDirectories) throws IOException {
    WatchOptions options =
        new WatchOptions(
            List.of(root),
            maxWatches,
            maxDirectories,
            QUIET,
            WatchOptions.DEFAULT_MAX_DELAY,
            WatchOptions.DEFAULT_BATCH_SIZE);
    watcher =
        Watcher.open(
            options,
            (watchId, message) -> published.add(message.copy().put("to", watchId)),
            registry);
    return watcher;
  }

  private Watcher open() throws IOException {
    return open(64, 10_000);
  }

  @AfterEach
  void close() throws IOException {
    if (watcher != null) {
      watcher.close();
    }
  }

  private static JsonObject request(String path) {
    return new JsonObject().put("path", path);
  }

  private List<JsonObject> changes() {
    return published.stream()
        .filter(message -> message.containsKey("changes"))
        .flatMap(message -> message.getJsonArray("changes").stream().map(JsonObject.class::cast))
        .toList();
  }

  private List<JsonObject> changesOf(String path) {
    return changes().stream().filter(change -> change.getString("path").equals(path)).toList();
  }

  private JsonObject awaitChange(String path, String changeType) {
    return Eventually.within(WAIT)
        .alias(changeType + " " + path)
        .until(
            () ->
                changesOf(path).stream()
                    .filter(change -> change.getString("changeType").equals(changeType))
                    .findFirst()
                    .orElse(null),
            change -> change != null);
  }

  // ---- roots ----

  @Test
  void aPathWithDotDotIsRefusedEvenWhenItStaysInside() throws IOException {
    Files.createDirectories(root.resolve("a/b"));
    open();
    assertThatThrownBy(() -> watcher.watch(request("a/../a/b"), "s1"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.type()).isEqualTo(ErrorType.BAD_REQUEST);
              assertThat(e.field()).isEqualTo("path");
              assertThat(e.getMessage()).isEqualTo("'..' is not allowed in a watch path");
            });
    assertThatThrownBy(() -> watcher.watch(request("../" + outside.getFileName()), "s1"))
        .isInstanceOf(ApiException.class)
        .hasMessage("'..' is not allowed in a watch path");
    assertThat(watcher.watchCount()).isZero();
  }

  @Test
  void anAbsolutePathOutsideTheRootsIsRefused() throws IOException {
    open();
    assertThatThrownBy(() -> watcher.watch(request(outside.toString()), "s1"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.field()).isEqualTo("path");
              assertThat(e.getMessage())
                  .endsWith("is outside the directories watches may look into");
            });
    assertThatThrownBy(() -> watcher.watch(request("/etc"), "s1"))
        .isInstanceOf(ApiException.class)
        .hasMessageEndingWith("is outside the directories watches may look into");
  }

  @Test
  void aSymbolicLinkThatLeadsOutOfTheRootsIsRefused() throws IOException {
    Files.createSymbolicLink(root.resolve("escape"), outside);
    Files.createDirectories(root.resolve("inside"));
    Files.createSymbolicLink(root.resolve("shortcut"), root.resolve("inside"));
    open();
    assertThatThrownBy(() -> watcher.watch(request("escape"), "s1"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.field()).isEqualTo("path");
              assertThat(e.getMessage()).contains("through a symbolic link");
            });
    assertThatThrownBy(() -> watcher.watch(request(root.resolve("escape").toString()), "s1"))
        .hasMessageContaining("through a symbolic link");
    // a link that stays inside is followed to the same watch as the real directory
    assertThat(watcher.watch(request("shortcut"), "s1"))
        .isEqualTo(watcher.watch(request("inside"), "s1"));
  }

  @Test
  void aMissingDirectoryIsNotFoundAndAFileIsNoDirectory() throws IOException {
    Files.writeString(root.resolve("file.txt"), "x");
    open();
    assertThatThrownBy(() -> watcher.watch(request("nope"), "s1"))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.NOT_FOUND));
    assertThatThrownBy(() -> watcher.watch(request("file.txt"), "s1"))
        .hasMessage("'file.txt' is not a directory");
    assertThatThrownBy(
            () -> watcher.watch(request(".").put("exclude", new JsonArray().add("[")), "s1"))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.field()).isEqualTo("exclude"));
  }

  // ---- coalescing ----

  @Test
  void anEditorsSaveIsOneChanged() throws IOException {
    Path notes = Files.writeString(root.resolve("notes.txt"), "first draft\n");
    open();
    String id = watcher.watch(request("."), "s1");

    // as vim and most editors save: a temporary file, renamed over the original
    Path swap = Files.writeString(root.resolve(".notes.txt.swp"), "second draft, longer\n");
    Files.move(swap, notes, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    // and as others do: truncate and write in place, in several writes
    Files.writeString(notes, "third");
    Files.writeString(notes, "third draft, written in two goes\n");

    JsonObject changed = awaitChange("notes.txt", "changed");
    assertThat(changed.getString("watchId")).isEqualTo(id);
    assertThat(changed.getLong("size")).isEqualTo(Files.size(notes));
    assertThat(changed.getString("mtime"))
        .isEqualTo(Files.getLastModifiedTime(notes).toInstant().toString());
    Eventually.within(Duration.ofSeconds(2))
        .during(Duration.ofMillis(600))
        .alias("nothing but that one change")
        .until(() -> changes(), all -> all.equals(List.of(changed)));
  }

  @Test
  void createdThenChangedIsCreatedAndCreatedThenDeletedIsNothing() throws IOException {
    open();
    watcher.watch(request("."), "s1");

    Path scratch = Files.writeString(root.resolve("scratch.tmp"), "gone soon");
    Path kept = Files.writeString(root.resolve("kept.txt"), "a");
    Files.delete(scratch);
    Files.writeString(kept, "abc");

    JsonObject created = awaitChange("kept.txt", "created");
    assertThat(created.getLong("size")).isEqualTo(3);
    assertThat(created.getBoolean("directory")).isFalse();
    Files.delete(kept);
    awaitChange("kept.txt", "deleted");
    assertThat(changes())
        .extracting(change -> change.getString("path") + " " + change.getString("changeType"))
        .containsExactly("kept.txt created", "kept.txt deleted");
  }

  // ---- bursts ----

  @Test
  void aBurstOfAThousandCreationsArrivesCompleteInBatches() throws IOException {
    open();
    String id = watcher.watch(request(".").put("recursive", true), "s1");
    // in a directory made after the watch started, so it is found while the burst goes on
    Path burst = Files.createDirectories(root.resolve("burst"));
    for (int i = 0; i < 1_000; i++) {
      Files.writeString(burst.resolve("file-" + i + ".txt"), "content " + i);
    }

    List<JsonObject> files =
        Eventually.within(WAIT)
            .alias("1,000 created")
            .until(
                () ->
                    changes().stream()
                        .filter(change -> change.getString("path").startsWith("burst/"))
                        .toList(),
                all -> all.size() >= 1_000);
    assertThat(files)
        .allSatisfy(change -> assertThat(change.getString("changeType")).isEqualTo("created"));
    assertThat(files.stream().map(change -> change.getString("path")).distinct()).hasSize(1_000);
    assertThat(changesOf("burst"))
        .extracting(c -> c.getString("changeType"))
        .containsExactly("created");
    assertThat(published)
        .allSatisfy(message -> assertThat(message.getString("to")).isEqualTo(id))
        .allSatisfy(
            message ->
                assertThat(message.getJsonArray("changes").size())
                    .isLessThanOrEqualTo(WatchOptions.DEFAULT_BATCH_SIZE));
  }

  @Test
  void eventsTheOsDroppedAreFoundByListingTheDirectoryAgain() throws IOException {
    open();
    watcher.watch(request("."), "s1");
    // while the watcher thread waits for its lock, the JDK keeps at most 512 events per directory
    // and then signals OVERFLOW instead
    synchronized (watcher) {
      for (int i = 0; i < 1_000; i++) {
        Files.writeString(root.resolve("file-" + i + ".txt"), "content " + i);
      }
    }
    Eventually.within(WAIT).alias("1,000 created").until(() -> changes().size(), n -> n >= 1_000);
    assertThat(registry.get("files.watch.overflows").counter().count()).isPositive();
    assertThat(changes())
        .allSatisfy(change -> assertThat(change.getString("changeType")).isEqualTo("created"));
    assertThat(changes().stream().map(change -> change.getString("path")).distinct())
        .hasSize(1_000);
  }

  // ---- bounds ----

  @Test
  void pastWatchMaxANewWatchIsAConflictButSharingOneIsNot() throws IOException {
    Files.createDirectories(root.resolve("a"));
    Files.createDirectories(root.resolve("b"));
    Files.createDirectories(root.resolve("c"));
    open(2, 10_000);
    watcher.watch(request("a"), "s1");
    watcher.watch(request("b"), "s1");
    assertThat(watcher.watch(request("a"), "s2")).as("a held by a second holder").isNotNull();
    assertThatThrownBy(() -> watcher.watch(request("c"), "s1"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.type()).isEqualTo(ErrorType.CONFLICT);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "2 directories are watched, as many as WATCH_MAX allows: unwatch one first");
            });
    assertThat(watcher.watchCount()).isEqualTo(2);
  }

  @Test
  void aTreeOverWatchMaxDirectoriesIsRefusedAndOneThatGrowsPastItSaysSo() throws IOException {
    Files.createDirectories(root.resolve("big/1/2/3/4"));
    Files.createDirectories(root.resolve("small/1"));
    open(64, 3);
    assertThatThrownBy(() -> watcher.watch(request("big").put("recursive", true), "s1"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.field()).isEqualTo("path");
              assertThat(e.getMessage()).startsWith("more than 3 directories are under it");
            });
    assertThat(watcher.directoryCount()).as("nothing left behind").isZero();

    String id = watcher.watch(request("small").put("recursive", true), "s1");
    Files.createDirectories(root.resolve("small/2"));
    Files.createDirectories(root.resolve("small/3"));
    JsonObject error =
        Eventually.within(WAIT)
            .until(
                () ->
                    published.stream()
                        .filter(message -> message.containsKey("error"))
                        .findFirst()
                        .orElse(null),
                message -> message != null);
    assertThat(error.getString("to")).isEqualTo(id);
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("limit");
    assertThat(error.getJsonObject("error").getString("message"))
        .isEqualTo(
            "'3' is not watched: this watch covers 3 directories, as many as"
                + " WATCH_MAX_DIRECTORIES allows");
    assertThat(watcher.directoryCount()).isEqualTo(3);
  }

  @Test
  void runningOutOfInotifyWatchesIsAClearUnavailable() {
    ApiException refusal =
        Watcher.refusal(root, new IOException("User limit of inotify watches reached"));
    assertThat(refusal.type()).isEqualTo(ErrorType.UNAVAILABLE);
    assertThat(refusal.getMessage())
        .isEqualTo(
            "the OS limit of directory watches is reached (User limit of inotify watches"
                + " reached); raise fs.inotify.max_user_watches or watch fewer directories");
  }

  // ---- holders ----

  @Test
  void oneOsWatchServesEveryHolderAndEndsWithTheLast() throws IOException {
    Files.createDirectories(root.resolve("shared/sub"));
    open();
    JsonObject shared = request("shared").put("recursive", true);
    String first = watcher.watch(shared, "s1");
    String second = watcher.watch(shared.copy(), "s2");
    assertThat(second).isEqualTo(first);
    assertThat(watcher.watchCount()).isEqualTo(1);
    assertThat(watcher.directoryCount()).isEqualTo(2);
    // another watch of a directory inside shares its OS watch
    String inner = watcher.watch(request("shared/sub"), "s3");
    assertThat(watcher.directoryCount()).isEqualTo(2);

    assertThat(watcher.unwatch(first, "s1")).isFalse();
    assertThat(watcher.directoryCount()).isEqualTo(2);
    assertThat(watcher.unwatch(first, "s2")).isTrue();
    assertThat(watcher.directoryCount()).as("shared/sub, still watched for s3").isEqualTo(1);
    assertThat(watcher.unwatch(inner, "s3")).isTrue();
    assertThat(watcher.directoryCount()).isZero();
    assertThat(watcher.watchCount()).isZero();
    assertThatThrownBy(() -> watcher.unwatch(first, "s1"))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.NOT_FOUND));

    // a watch started again afterwards sees new files, so nothing was left half-open
    watcher.watch(request("shared"), "s4");
    Files.writeString(root.resolve("shared/after.txt"), "x");
    awaitChange("after.txt", "created");
    assertThat(changes()).hasSize(1);
  }

  @Test
  void excludedDirectoriesAreNotWatchedAndExcludedFilesNotReported() throws IOException {
    Files.createDirectories(root.resolve("app/node_modules/lib"));
    Files.createDirectories(root.resolve("app/src"));
    open();
    watcher.watch(
        request("app")
            .put("recursive", true)
            .put("exclude", new JsonArray().add("node_modules").add("*.tmp")),
        "s1");
    assertThat(watcher.directoryCount()).as("app and app/src").isEqualTo(2);
    Files.writeString(root.resolve("app/node_modules/lib/index.js"), "x");
    Files.writeString(root.resolve("app/src/build.tmp"), "x");
    Files.writeString(root.resolve("app/src/main.js"), "x");
    awaitChange("src/main.js", "created");
    Eventually.within(Duration.ofSeconds(2))
        .during(Duration.ofMillis(400))
        .until(() -> changes().size(), size -> size == 1);
  }

  @Test
  void aDeletedDirectoryReportsItsContentsDeletedAndIsWatchedNoMore() throws IOException {
    Path sub = Files.createDirectories(root.resolve("sub"));
    Files.writeString(sub.resolve("a.txt"), "a");
    open();
    watcher.watch(request(".").put("recursive", true), "s1");
    assertThat(watcher.directoryCount()).isEqualTo(2);
    Files.delete(sub.resolve("a.txt"));
    Files.delete(sub);
    awaitChange("sub", "deleted");
    assertThat(changesOf("sub/a.txt"))
        .extracting(c -> c.getString("changeType"))
        .containsExactly("deleted");
    Eventually.within(WAIT).until(() -> watcher.directoryCount(), count -> count == 1);
  }

  @Test
  void onLinuxTheWatchesAreNative() throws IOException {
    open();
    assertThat(watcher.mode())
        .isEqualTo(System.getProperty("os.name").startsWith("Linux") ? "native" : "polling");
  }
}
