package dev.switchboard.files;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.Outage;
import dev.switchboard.common.http.ApiRouter;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.common.http.InProcess;
import dev.switchboard.common.observability.Ping;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.files.analysis.Analyzer;
import dev.switchboard.files.assets.AssetStore;
import dev.switchboard.files.assets.Assets;
import dev.switchboard.files.assets.ProcessingQueue;
import dev.switchboard.files.assets.Storage;
import dev.switchboard.files.http.ContentRoutes;
import dev.switchboard.files.upload.UploadOptions;
import dev.switchboard.files.upload.UploadRoutes;
import dev.switchboard.files.watch.WatchOptions;
import dev.switchboard.files.watch.Watches;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * file-processor: takes uploads, works the processing queue (type, hash, metadata, thumbnails, in a
 * sandbox), keeps the assets until someone confirms or rejects them, and serves their bytes. It
 * owns the schema {@code files} and an HTTP server of its own on {@code files.port} for everything
 * that moves bytes (the gateway forwards {@code /api/v1/files}, {@code /api/v1/uploads} and {@code
 * /api/v1/assets} to it); its commands are on the event bus ({@code files.assets.*}), and it
 * publishes every state change on {@code files.assets}. It also serves the directory watches of the
 * hub's {@code /files} ({@code files.watch}, {@code files.unwatch}).
 *
 * <p>Config slice: the {@code files} section ({@code port}, {@code workers}, {@code maxUpload},
 * {@code uploadExpiry}, {@code allowedTypes}, {@code library}, {@code stepTimeout}, {@code
 * retention}, {@code watch}), plus {@code dataDir}, {@code bindHost}, {@code allowedHosts}, {@code
 * auth}, {@code database}, {@code process}.
 */
public final class FileProcessorVerticle extends VerticleBase {

  public static final String NAME = "file-processor";
  private static final Logger LOG = LoggerFactory.getLogger(FileProcessorVerticle.class);
  private static final Duration WAKE_EVERY = Duration.ofSeconds(2);
  private static final Duration RETENTION_EVERY = Duration.ofMinutes(10);

  private FilesOptions options;
  private Pool pool;
  private ExecutorService analysisThreads;
  private WorkerExecutor processing;
  private ProcessingQueue queue;
  private UploadRoutes uploads;
  private Watches watches;
  private HttpServer server;

  @Override
  public Future<?> start() {
    options = FilesOptions.fromConfig(config());
    JsonObject db = config().getJsonObject("database", new JsonObject());
    pool = Database.pool(vertx, db.getString("url"), db.getInteger("poolSize", 4), "files");
    AssetStore store = new AssetStore(pool);
    Storage storage = new Storage(options.dataDir(), options.library());
    DatabaseStatus database = new DatabaseStatus(pool, Clock.systemUTC());
    Outage outage =
        new Outage(
            "claiming queued files",
            new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30)),
            database,
            Clock.systemUTC(),
            () -> "the queue is worked again");
    analysisThreads = Executors.newFixedThreadPool(options.workers(), daemonThreads());
    processing = vertx.createSharedWorkerExecutor("files-processing", options.workers());
    Consumer<JsonObject> events = event -> vertx.eventBus().publish(Addresses.FILES_ASSETS, event);
    queue =
        new ProcessingQueue(
            vertx,
            store,
            storage,
            new Analyzer(options.limits(), analysisThreads),
            processing,
            options.workers(),
            options.node(),
            outage,
            events,
            Telemetry.registry());
    Assets assets = new Assets(vertx, store, storage, events, queue::wake);
    watches = new Watches(vertx, WatchOptions.fromConfig(config(), options.dataDir()));
    Router router = router(store, storage);
    return vertx
        .executeBlocking(
            () -> {
              storage.prepare();
              return null;
            })
        .compose(
            ignored ->
                UploadRoutes.mount(
                    router, vertx, UploadOptions.fromConfig(config(), options.dataDir()), assets))
        .onSuccess(
            mounted -> {
              uploads = mounted;
              // in one JVM the gateway hands uploads and downloads over here, not over a socket
              InProcess.offer(vertx, NAME, router);
            })
        .compose(
            ignored ->
                HttpServers.listen(
                    HttpServers.takingUploads(vertx).requestHandler(router),
                    config().getString("bindHost", "127.0.0.1"),
                    options.port(),
                    "FILES_PORT"))
        .onSuccess(listening -> server = listening)
        .compose(ignored -> assets.serve())
        .compose(ignored -> watches.start())
        .compose(
            ignored ->
                Ping.answer(
                    vertx,
                    NAME,
                    database::check,
                    // where the JDK cannot watch natively, changes come seconds late: say so
                    new JsonObject().put("watching", watches.mode())))
        .compose(ignored -> queue.start())
        .onSuccess(
            ignored -> {
              vertx.setPeriodic(WAKE_EVERY.toMillis(), id -> queue.wake());
              vertx.setPeriodic(RETENTION_EVERY.toMillis(), id -> expire(store, storage));
            });
  }

  @Override
  public Future<?> stop() {
    InProcess.withdraw(vertx, NAME);
    if (uploads != null) {
      uploads.close();
    }
    queue.stop();
    analysisThreads.shutdownNow();
    return watches.stop().compose(ignored -> processing.close()).compose(ignored -> pool.close());
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router(AssetStore store, Storage storage) {
    Router router = ApiRouter.create(vertx, config());
    new ContentRoutes(store, storage).mount(router);
    return router;
  }

  /** Deletes rejected and failed rows past their retention, and what is left of their bytes. */
  private void expire(AssetStore store, Storage storage) {
    store
        .expire(Instant.now().minus(options.retention()))
        .compose(
            expired ->
                vertx.executeBlocking(
                    () -> {
                      for (AssetStore.Stored row : expired) {
                        storage.delete(row.storedAt(), null, java.util.UUID.fromString(row.id()));
                      }
                      return expired.size();
                    }))
        .onSuccess(
            count -> {
              if (count > 0) {
                LOG.info(
                    "retention: {} rejected or failed assets older than {} deleted",
                    count,
                    options.retention());
              }
            })
        .onFailure(err -> LOG.warn("retention of rejected and failed assets failed", err));
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return work -> {
      Thread thread = new Thread(work, "files-analysis-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
