package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import dev.switchboard.files.watch.WatchOptions;
import dev.switchboard.files.watch.Watches;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /files} watches end to end: the unmodified npm socket.io-client, the hub, and the
 * file-processor's real {@link Watches} on the same event bus, over real files.
 */
@Timeout(60)
class FilesWatchOverSocketIoTest extends HubClientTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dataDir;
  @TempDir Path outside;

  private Path library;
  private Watches watches;

  @BeforeEach
  void startWatches() throws IOException {
    library = Files.createDirectories(dataDir.resolve("library"));
    watches = new Watches(hub.vertx, WatchOptions.fromConfig(new JsonObject(), dataDir));
    watches.start().await();
  }

  @AfterEach
  void stopWatches() {
    watches.stop().await();
  }

  private List<JsonObject> changes(String client) {
    return node.events(client, FilesNamespace.CHANGE).stream().map(event -> event.json(0)).toList();
  }

  @Test
  void twoClientsShareAWatchAndABurstOfAThousandFilesArrivesWhole() throws IOException {
    node.connected("admin", "/files", "admin", Transport.WEBSOCKET.opts());
    node.connected("viewer", "/files", "viewer", Transport.WEBSOCKET.opts());
    JsonObject request = new JsonObject().put("path", ".").put("recursive", true);
    JsonObject first = node.ackOf("admin", "watch", request);
    JsonObject second = node.ackOf("viewer", "watch", request);
    assertThat(first.getBoolean("ok")).as(first.encode()).isTrue();
    assertThat(second.getString("watchId")).isEqualTo(first.getString("watchId"));
    assertThat(watches.watchCount()).as("one watch for both sockets").isEqualTo(1);

    Files.writeString(library.resolve("hello.txt"), "hello");
    JsonObject hello = node.await("viewer", FilesNamespace.CHANGE).json(0);
    assertThat(hello.getString("path")).isEqualTo("hello.txt");
    assertThat(hello.getString("changeType")).isEqualTo("created");
    assertThat(hello.getLong("size")).isEqualTo(5);
    assertThat(hello.getString("watchId")).isEqualTo(first.getString("watchId"));

    Path burst = Files.createDirectories(library.resolve("burst"));
    for (int i = 0; i < 1_000; i++) {
      Files.writeString(burst.resolve("photo-" + i + ".jpg"), "not a photo " + i);
    }
    for (String client : List.of("admin", "viewer")) {
      List<JsonObject> files =
          Eventually.within(WAIT)
              .alias(client + " sees 1,000 files created")
              .until(
                  () ->
                      changes(client).stream()
                          .filter(change -> change.getString("path").startsWith("burst/"))
                          .toList(),
                  all -> all.size() >= 1_000);
      assertThat(files.stream().map(change -> change.getString("path")).distinct())
          .as(client)
          .hasSize(1_000);
      assertThat(files)
          .allSatisfy(change -> assertThat(change.getString("changeType")).isEqualTo("created"));
    }

    // the watch outlives one holder and ends with the last
    node.disconnect("viewer");
    Files.writeString(library.resolve("after.txt"), "x");
    node.await(
        "admin",
        FilesNamespace.CHANGE,
        args -> args.getJsonObject(0).getString("path").equals("after.txt"));
    assertThat(watches.directoryCount()).isEqualTo(2);
    assertThat(
            node.ackOf(
                    "admin", "unwatch", new JsonObject().put("watchId", first.getString("watchId")))
                .getBoolean("ok"))
        .isTrue();
    Eventually.within(WAIT)
        .alias("the OS watch ends with its last socket")
        .until(watches::directoryCount, count -> count == 0);
    assertThat(watches.watchCount()).isZero();
  }

  @Test
  void aPathOutsideTheLibraryIsABadRequestSayingWhy() throws IOException {
    Files.createSymbolicLink(library.resolve("escape"), outside);
    node.connected("f", "/files", "viewer", Transport.WEBSOCKET.opts());
    for (String path : List.of("../..", outside.toString(), "escape")) {
      JsonObject refused = node.ackOf("f", "watch", new JsonObject().put("path", path));
      assertThat(refused.getBoolean("ok")).as(path).isFalse();
      assertThat(refused.getJsonObject("error").getString("code"))
          .as(path)
          .isEqualTo("bad_request");
    }
    assertThat(
            node.ackOf("f", "watch", new JsonObject().put("path", "escape"))
                .getJsonObject("error")
                .getString("message"))
        .isEqualTo(
            "'escape' leads outside the directories watches may look into through a symbolic link");
    assertThat(watches.watchCount()).isZero();
  }
}
