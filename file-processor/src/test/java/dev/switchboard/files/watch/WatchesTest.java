package dev.switchboard.files.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event-bus contract of {@code files.watch} and {@code files.unwatch}, and the options. */
class WatchesTest {

  @TempDir Path dataDir;

  private Vertx vertx;
  private Watches watches;
  private Path library;

  @BeforeEach
  void start() throws IOException {
    library = Files.createDirectories(dataDir.resolve("library"));
    vertx = Vertx.vertx();
    watches = new Watches(vertx, WatchOptions.fromConfig(new JsonObject(), dataDir));
    watches.start().await();
  }

  @AfterEach
  void stop() {
    watches.stop().await();
    vertx.close().await();
  }

  @Test
  void aWatchOverTheBusPublishesChangesUntilItsLastHolderLeaves() throws IOException {
    JsonObject watch =
        Bus.request(
                vertx,
                Addresses.FILES_WATCH,
                new JsonObject().put("path", ".").put("holder", "socket-1"))
            .await();
    String watchId = watch.getString("watchId");
    assertThat(watch.getString("path")).isEqualTo(".");
    Queue<JsonObject> seen = new ConcurrentLinkedQueue<>();
    vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.fileChanges(watchId), message -> seen.add(message.body()))
        .completion()
        .await();

    Files.writeString(library.resolve("photo.jpg"), "not really");
    JsonObject message =
        Eventually.within(Duration.ofSeconds(10)).until(seen::peek, first -> first != null);
    JsonObject change = message.getJsonArray("changes").getJsonObject(0);
    assertThat(change.getString("watchId")).isEqualTo(watchId);
    assertThat(change.getString("path")).isEqualTo("photo.jpg");
    assertThat(change.getString("changeType")).isEqualTo("created");
    assertThat(change.getLong("size")).isEqualTo(10);
    assertThat(watches.mode()).isEqualTo("native");

    JsonObject ended =
        Bus.request(
                vertx,
                Addresses.FILES_UNWATCH,
                new JsonObject().put("watchId", watchId).put("holder", "socket-1"))
            .await();
    assertThat(ended).isEqualTo(new JsonObject().put("watchId", watchId).put("ended", true));
    assertThat(watches.directoryCount()).isZero();
  }

  @Test
  void aRefusalCrossesTheBusNamingItsField() {
    assertThatThrownBy(
            () ->
                Bus.request(
                        vertx,
                        Addresses.FILES_WATCH,
                        new JsonObject().put("path", "../..").put("holder", "socket-1"))
                    .await())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.type()).isEqualTo(ErrorType.BAD_REQUEST);
              assertThat(e.field()).isEqualTo("path");
              assertThat(e.getMessage()).isEqualTo("'..' is not allowed in a watch path");
            });
    assertThatThrownBy(
            () ->
                Bus.request(vertx, Addresses.FILES_WATCH, new JsonObject().put("path", "."))
                    .await())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("holder"));
  }

  @Test
  void theRootsAreTheConfiguredOnesTheLibraryOrDataDirLibrary() {
    assertThat(WatchOptions.fromConfig(new JsonObject(), dataDir).roots())
        .containsExactly(dataDir.resolve("library"));
    assertThat(
            WatchOptions.fromConfig(new JsonObject().put("library", "/srv/library"), dataDir)
                .roots())
        .containsExactly(Path.of("/srv/library"));
    WatchOptions configured =
        WatchOptions.fromConfig(
            new JsonObject()
                .put("library", "/srv/library")
                .put(
                    "watch",
                    new JsonObject()
                        .put("roots", new JsonArray().add("/srv/a").add("/srv/b/../c"))
                        .put("max", 3)
                        .put("maxDirectories", 50)),
            dataDir);
    assertThat(configured.roots()).isEqualTo(List.of(Path.of("/srv/a"), Path.of("/srv/c")));
    assertThat(configured.maxWatches()).isEqualTo(3);
    assertThat(configured.maxDirectories()).isEqualTo(50);
    WatchOptions defaults = WatchOptions.fromConfig(null, dataDir);
    assertThat(defaults.maxWatches()).isEqualTo(64);
    assertThat(defaults.maxDirectories()).isEqualTo(10_000);
  }
}
