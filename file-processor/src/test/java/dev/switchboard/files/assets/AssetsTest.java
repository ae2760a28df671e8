package dev.switchboard.files.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.Outage;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.files.analysis.AnalysisLimits;
import dev.switchboard.files.analysis.Analyzer;
import dev.switchboard.files.analysis.Sha256;
import dev.switchboard.files.analysis.TestFiles;
import dev.switchboard.files.upload.Received;
import dev.switchboard.migrations.Migrations;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assets against a real PostgreSQL and real files: what an upload becomes, the queue that
 * processes it (once, across restarts and across two nodes), de-duplication, confirm and reject
 * with their effects on disk, and the commands' answers to bad input.
 */
@ExtendWith(VertxExtension.class)
class AssetsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;
  private Pool pool;
  private AssetStore store;
  private Storage storage;
  private ExecutorService analysisThreads;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final List<ProcessingQueue> queues = new ArrayList<>();
  private Vertx vertx;

  @BeforeEach
  void setUp(Vertx vertx) throws IOException {
    this.vertx = vertx;
    String url = TestDatabase.freshDatabaseUrl();
    assertThat(Migrations.migrate(url, "files")).isEqualTo(1);
    pool = Database.pool(vertx, url, 4, "test");
    store = new AssetStore(pool);
    storage = new Storage(dataDir, dataDir.resolve("library"));
    storage.prepare();
    analysisThreads = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void tearDown() {
    queues.forEach(ProcessingQueue::stop);
    analysisThreads.shutdownNow();
    pool.close().await();
  }

  @Test
  void anUploadIsQueuedProcessedAndPublishedAtEveryStep() throws IOException {
    ProcessingQueue queue = queue("node-a");
    Assets assets = assets(queue);
    queue.start().await();

    Path png = TestFiles.png(dataDir.resolve("upload.part"), 640, 480);
    JsonObject asset = assets.accept(received(png, "holiday.png")).await();

    assertThat(asset.getString("state")).isEqualTo("uploaded");
    assertThat(png).doesNotExist();
    JsonObject processed = awaitState(asset.getString("id"), "processed");
    assertThat(processed.getString("mediaType")).isEqualTo("image/png");
    assertThat(processed.getJsonObject("metadata").getInteger("width")).isEqualTo(640);
    assertThat(processed.getJsonArray("thumbnails")).hasSize(3);
    assertThat(processed.getInteger("attempts")).isEqualTo(1);
    assertThat(storage.thumbnails(UUID.fromString(asset.getString("id"))).resolve("128.jpg"))
        .exists();
    assertThat(events)
        .extracting(event -> event.getString("state"))
        .containsExactly("uploaded", "processing", "processed");
  }

  @Test
  void theSameBytesAnswerWithTheAssetThatHoldsThem() throws IOException {
    Assets assets = assets(queue("node-a"));
    JsonObject first =
        assets.accept(received(TestFiles.png(dataDir.resolve("a.part"), 64, 64), "a.png")).await();
    Path again = TestFiles.png(dataDir.resolve("b.part"), 64, 64);

    JsonObject second = assets.accept(received(again, "b.png")).await();

    assertThat(second.getString("id")).isEqualTo(first.getString("id"));
    assertThat(second.getBoolean("duplicate")).isTrue();
    assertThat(again).doesNotExist();
    assertThat(count("SELECT count(*) FROM files.assets")).isEqualTo(1);
    assertThat(dataDir.resolve("files")).isDirectoryNotContaining("glob:**/*.part");
    JsonObject check =
        assets
            .check(
                new JsonObject()
                    .put(
                        "hashes",
                        new JsonArray().add(first.getString("sha256")).add("0".repeat(64))))
            .await();
    assertThat(
            check.getJsonObject("known").getJsonObject(first.getString("sha256")).getString("id"))
        .isEqualTo(first.getString("id"));
    assertThat(check.getJsonArray("missing")).containsExactly("0".repeat(64));
  }

  @Test
  void anExecutableNamedLikeAPictureIsRejectedAndItsBytesDeleted() throws IOException {
    ProcessingQueue queue = queue("node-a");
    Assets assets = assets(queue);
    queue.start().await();
    Path elf = dataDir.resolve("x.part");
    byte[] bytes = new byte[4096];
    bytes[0] = 0x7f;
    bytes[1] = 'E';
    bytes[2] = 'L';
    bytes[3] = 'F';
    Files.write(elf, bytes);

    JsonObject asset = assets.accept(received(elf, "cat.png")).await();

    JsonObject rejected = awaitState(asset.getString("id"), "rejected");
    assertThat(rejected.getString("reason")).contains("executable");
    assertThat(rejected.getString("decidedBy")).isEqualTo("file-processor");
    assertThat(dataDir.resolve("files").resolve(asset.getString("id"))).doesNotExist();
  }

  @Test
  void aRestartPutsBackWhatWasInterruptedAndTwoNodesNeverTakeTheSameFile() throws IOException {
    Assets assets = assets(queue("unused"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Path png = TestFiles.png(dataDir.resolve(i + ".part"), 32 + i, 32);
      ids.add(assets.accept(received(png, i + ".png")).await().getString("id"));
    }
    // node-a claimed three and stopped before it finished them
    for (int i = 0; i < 3; i++) {
      assertThat(store.claim("node-a").await()).isPresent();
    }
    assertThat(count("SELECT count(*) FROM files.assets WHERE state = 'processing'")).isEqualTo(3);

    ProcessingQueue restarted = queue("node-a");
    ProcessingQueue other = queue("node-b");
    restarted.start().await();
    other.start().await();

    for (String id : ids) {
      awaitState(id, "processed");
    }
    // the three interrupted ones were claimed twice, every other file exactly once
    assertThat(count("SELECT count(*) FROM files.assets WHERE attempts = 1")).isEqualTo(9);
    assertThat(count("SELECT count(*) FROM files.assets WHERE attempts = 2")).isEqualTo(3);
    assertThat(
            events.stream()
                .filter(event -> event.getString("state").equals("processed"))
                .map(event -> event.getString("id"))
                .distinct()
                .count())
        .isEqualTo(12);
    assertThat(events.stream().filter(event -> event.getString("state").equals("processed")))
        .hasSize(12);
  }

  @Test
  void confirmingMovesIntoTheLibraryUnderANameThatCannotEscapeIt() throws IOException {
    ProcessingQueue queue = queue("node-a");
    Assets assets = assets(queue);
    queue.start().await();
    String first =
        processed(assets, TestFiles.png(dataDir.resolve("1.part"), 40, 40), "../../etc/passwd");
    String second =
        processed(assets, TestFiles.png(dataDir.resolve("2.part"), 41, 40), "..\\..\\passwd");

    JsonObject answer =
        Bus.request(
                vertx,
                Addresses.FILES_ASSETS_CONFIRM,
                new JsonObject()
                    .put("ids", new JsonArray().add(first).add(second))
                    .put("by", "admin"))
            .await();

    assertThat(answer.getInteger("succeeded")).isEqualTo(2);
    Path library = dataDir.resolve("library");
    assertThat(library.resolve("passwd")).exists();
    assertThat(library.resolve("passwd (2)")).exists();
    JsonObject confirmed = assets.get(UUID.fromString(first)).await();
    assertThat(confirmed.getString("state")).isEqualTo("confirmed");
    assertThat(confirmed.getString("decidedBy")).isEqualTo("admin");
    assertThat(confirmed.getString("libraryPath")).isIn("passwd", "passwd (2)");
    assertThat(dataDir.resolve("files").resolve(first)).doesNotExist();
  }

  @Test
  void rejectingDeletesTheBytesKeepsWhoAndWhenAndReportsEachIdOnItsOwn() throws IOException {
    ProcessingQueue queue = queue("node-a");
    Assets assets = assets(queue);
    queue.start().await();
    String id = processed(assets, TestFiles.png(dataDir.resolve("1.part"), 40, 40), "a.png");
    String unknown = UUID.randomUUID().toString();

    JsonObject answer =
        Bus.request(
                vertx,
                Addresses.FILES_ASSETS_REJECT,
                new JsonObject()
                    .put("ids", new JsonArray().add(id).add(unknown))
                    .put("by", "viewer"))
            .await();

    assertThat(answer.getInteger("succeeded")).isEqualTo(1);
    assertThat(answer.getInteger("failed")).isEqualTo(1);
    JsonArray results = answer.getJsonArray("results");
    assertThat(results.getJsonObject(0).getJsonObject("asset").getString("state"))
        .isEqualTo("rejected");
    assertThat(results.getJsonObject(1).getBoolean("ok")).isFalse();
    assertThat(results.getJsonObject(1).getJsonObject("error").getString("code"))
        .isEqualTo("not-found");
    JsonObject rejected = assets.get(UUID.fromString(id)).await();
    assertThat(rejected.getString("decidedBy")).isEqualTo("viewer");
    assertThat(rejected.getString("decidedAt")).isNotNull();
    assertThat(dataDir.resolve("files").resolve(id)).doesNotExist();
    assertThat(storage.thumbnails(UUID.fromString(id))).doesNotExist();

    // a decided asset cannot be decided again
    JsonObject again =
        Bus.request(
                vertx,
                Addresses.FILES_ASSETS_CONFIRM,
                new JsonObject().put("ids", new JsonArray().add(id)).put("by", "admin"))
            .await();
    assertThat(
            again.getJsonArray("results").getJsonObject(0).getJsonObject("error").getString("code"))
        .isEqualTo("conflict");
  }

  @Test
  void rejectedAndFailedRowsAreDeletedPastTheirRetentionAndLiveOnesAreNot() throws IOException {
    ProcessingQueue queue = queue("node-a");
    Assets assets = assets(queue);
    queue.start().await();
    String rejected = processed(assets, TestFiles.png(dataDir.resolve("1.part"), 40, 40), "a.png");
    String kept = processed(assets, TestFiles.png(dataDir.resolve("2.part"), 41, 40), "b.png");
    Bus.request(
            vertx,
            Addresses.FILES_ASSETS_REJECT,
            new JsonObject().put("ids", new JsonArray().add(rejected)).put("by", "admin"))
        .await();

    List<AssetStore.Stored> expired = store.expire(java.time.Instant.now().plusSeconds(1)).await();

    assertThat(expired).extracting(AssetStore.Stored::id).containsExactly(rejected);
    assertThat(store.find(UUID.fromString(rejected)).await()).isEmpty();
    assertThat(store.find(UUID.fromString(kept)).await()).isPresent();
  }

  @Test
  void listingFiltersAndPages() throws IOException {
    ProcessingQueue queue = queue("node-a");
    Assets assets = assets(queue);
    queue.start().await();
    for (int i = 0; i < 5; i++) {
      processed(
          assets, TestFiles.png(dataDir.resolve(i + ".part"), 20 + i, 20), "pic-" + i + ".png");
    }

    JsonObject page =
        assets
            .list(
                new JsonObject()
                    .put("state", "processed")
                    .put("type", "image/*")
                    .put("limit", "2")
                    .put("offset", "1"))
            .await();
    assertThat(page.getLong("total")).isEqualTo(5);
    assertThat(page.getJsonArray("assets")).hasSize(2);
    assertThat(assets.list(new JsonObject().put("name", "PIC-3")).await().getLong("total"))
        .isEqualTo(1);
    assertThat(assets.list(new JsonObject().put("offset", "10")).await().getLong("total"))
        .as("a page past the end still says how many there are")
        .isEqualTo(5);
  }

  @Test
  void badInputNamesTheField() {
    Assets assets = assets(queue("node-a"));
    assertField(() -> assets.list(new JsonObject().put("state", "lost")), "state");
    assertField(() -> assets.list(new JsonObject().put("limit", "0")), "limit");
    assertField(() -> assets.list(new JsonObject().put("limit", "99999999999999999999")), "limit");
    assertField(() -> assets.list(new JsonObject().put("hash", "xyz")), "hash");
    assertField(() -> assets.list(new JsonObject().put("name", "a\0b")), "name");
    assertField(
        () -> assets.check(new JsonObject().put("hashes", new JsonArray().add(7))), "hashes[0]");
    assertField(() -> assets.get(Assets.id(new JsonObject().put("id", "../etc"))), "id");
  }

  private void assertField(
      java.util.function.Supplier<io.vertx.core.Future<JsonObject>> call, String field) {
    assertThatThrownBy(() -> call.get().await())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.type()).isEqualTo(ErrorType.BAD_REQUEST);
              assertThat(e.field()).isEqualTo(field);
            });
  }

  private String processed(Assets assets, Path file, String name) throws IOException {
    String id = assets.accept(received(file, name)).await().getString("id");
    awaitState(id, "processed");
    return id;
  }

  private JsonObject awaitState(String id, String state) {
    Eventually.within(WAIT)
        .until(
            () -> store.find(UUID.fromString(id)).await().orElseThrow().asset().getString("state"),
            state::equals);
    return store.find(UUID.fromString(id)).await().orElseThrow().asset();
  }

  private long count(String sql) {
    Row row = pool.query(sql).execute().await().iterator().next();
    return row.getLong(0);
  }

  private Received received(Path file, String name) throws IOException {
    return new Received(
        UUID.randomUUID().toString(), file, name, null, null, Files.size(file), Sha256.of(file));
  }

  private ProcessingQueue queue(String node) {
    WorkerExecutor executor = vertx.createSharedWorkerExecutor("test-" + node, 2);
    DatabaseStatus status = new DatabaseStatus(pool, Clock.systemUTC());
    ProcessingQueue queue =
        new ProcessingQueue(
            vertx,
            store,
            storage,
            new Analyzer(AnalysisLimits.DEFAULT, analysisThreads),
            executor,
            2,
            node,
            new Outage(
                "test",
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
                status,
                Clock.systemUTC(),
                () -> ""),
            events::add,
            new SimpleMeterRegistry());
    queues.add(queue);
    return queue;
  }

  private Assets assets(ProcessingQueue queue) {
    Assets assets =
        new Assets(vertx, store, storage, events::add, () -> vertx.runOnContext(v -> queue.wake()));
    assets.serve().await();
    return assets;
  }
}
