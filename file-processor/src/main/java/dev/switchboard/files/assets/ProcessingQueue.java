package dev.switchboard.files.assets;

import dev.switchboard.common.db.Outage;
import dev.switchboard.files.analysis.Analysis;
import dev.switchboard.files.analysis.Analyzer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works the queue that {@code uploaded} assets form, at most {@code workers} files at once: claims
 * the oldest with {@code FOR UPDATE SKIP LOCKED}, analyses it on a worker thread, and writes the
 * outcome only while the claim is still its own. What this node was working on when it stopped is
 * put back at its next start, so a restart resumes where it stopped and nothing is processed twice
 * to an end.
 *
 * <p>Called on its verticle's event loop only.
 */
public final class ProcessingQueue {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessingQueue.class);
  private static final Duration STEP_EVENTS_EVERY = Duration.ofMillis(250);

  private final Vertx vertx;
  private final AssetStore store;
  private final Storage storage;
  private final Analyzer analyzer;
  private final WorkerExecutor executor;
  private final int workers;
  private final String node;
  private final Outage outage;
  private final Consumer<JsonObject> events;
  private final Counter processed;
  private final Counter failed;
  private final Counter rejected;
  private int running;
  // room in the heap for the files' rasters while they are processed
  private final HeapRoom room;
  private boolean claiming;
  private boolean again;
  private boolean working;

  /**
   * @param node this file-processor's name in claims: stable across its restarts
   * @param events where each state change is published
   */
  public ProcessingQueue(
      Vertx vertx,
      AssetStore store,
      Storage storage,
      Analyzer analyzer,
      WorkerExecutor executor,
      int workers,
      String node,
      Outage outage,
      Consumer<JsonObject> events,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.storage = storage;
    this.analyzer = analyzer;
    this.executor = executor;
    this.workers = workers;
    this.node = node;
    this.outage = outage;
    this.events = events;
    this.processed = outcomes(registry, AssetState.PROCESSED);
    this.failed = outcomes(registry, AssetState.FAILED);
    this.rejected = outcomes(registry, AssetState.REJECTED);
    this.room = new HeapRoom(vertx);
  }

  /** Puts back what this node left in {@code processing}, then starts working. */
  public Future<Void> start() {
    return store
        .releaseClaims(node)
        .onSuccess(
            released -> {
              if (released > 0) {
                LOG.info("{} files interrupted by the last stop are queued again", released);
              }
              working = true;
              wake();
            })
        .mapEmpty();
  }

  public void stop() {
    working = false;
    room.release();
  }

  /** Files running now. */
  public int running() {
    return running;
  }

  /**
   * Claims work while a worker is free: called when a file is queued here, after each file, and now
   * and then (files queued by another node, or an outage's end).
   */
  public void wake() {
    // nothing is claimed before this node's interrupted work is put back, nor after its stop
    if (!working || running >= workers || !outage.mayTry()) {
      return;
    }
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    again = false;
    store
        .claim(node)
        .onComplete(
            claim -> {
              claiming = false;
              if (claim.failed()) {
                outage.failed(claim.cause());
                return;
              }
              outage.succeeded();
              Optional<AssetStore.Stored> next = claim.result();
              if (next.isPresent()) {
                room.working();
                running++;
                process(next.get()).onComplete(done -> finished());
                wake();
              } else if (again) {
                wake();
              } else if (running == 0) {
                room.idle();
              }
            });
  }

  private void finished() {
    running--;
    wake();
  }

  private Future<Void> process(AssetStore.Stored asset) {
    events.accept(AssetEvents.of(asset.asset()));
    UUID id = UUID.fromString(asset.id());
    String name = asset.asset().getString("name");
    Optional<Path> bytes = storage.bytes(asset.storedAt(), null);
    Path thumbnails = storage.thumbnails(id);
    return executor
        .executeBlocking(
            () ->
                bytes.isPresent()
                    // hashed as its bytes arrived: not read whole again for that
                    ? analyzer.analyze(
                        bytes.get(),
                        name,
                        asset.asset().getString("sha256"),
                        thumbnails,
                        stepsOf(asset.asset()))
                    : Analysis.failed("its bytes are missing", null, 0),
            false)
        .compose(analysis -> record(id, asset, analysis))
        .onFailure(
            err ->
                LOG.warn(
                    "processing {} ({}) could not be recorded; it is queued again at the next start",
                    id,
                    name,
                    err))
        .mapEmpty();
  }

  /**
   * Publishes the steps of a file's processing as they begin ({@code asset:state} with {@code
   * step}), at most one every {@link #STEP_EVENTS_EVERY} (the first that long after the claim's
   * {@code processing}): a photo's steps take milliseconds and publish none, a large PDF's seconds.
   * Called on the worker thread; publishing is thread-safe.
   */
  private Consumer<String> stepsOf(JsonObject asset) {
    long[] last = {System.nanoTime()};
    return step -> {
      long now = System.nanoTime();
      if (now - last[0] >= STEP_EVENTS_EVERY.toNanos()) {
        last[0] = now;
        events.accept(AssetEvents.of(asset).put("step", step));
      }
    };
  }

  private Future<Void> record(UUID id, AssetStore.Stored asset, Analysis analysis) {
    AssetState outcome =
        switch (analysis.status()) {
          case ANALYSED -> AssetState.PROCESSED;
          case REJECTED -> AssetState.REJECTED;
          case FAILED -> AssetState.FAILED;
        };
    boolean refused = outcome == AssetState.REJECTED;
    // what the processor refuses is not kept: an executable must not sit in the data directory
    Future<Void> cleared =
        refused
            ? vertx.executeBlocking(
                () -> {
                  storage.delete(asset.storedAt(), null, id);
                  return null;
                })
            : Future.succeededFuture();
    String kept = refused ? null : asset.storedAt();
    return cleared
        .compose(
            ignored ->
                store.finish(
                    id,
                    node,
                    outcome,
                    analysis.mediaType(),
                    DetailsJson.metadata(analysis.details()),
                    outcome == AssetState.PROCESSED
                        ? DetailsJson.thumbnails(analysis.thumbnails())
                        : new JsonArray(),
                    analysis.reason(),
                    kept))
        .onSuccess(
            finished ->
                finished.ifPresent(
                    row -> {
                      count(outcome);
                      events.accept(AssetEvents.of(row.asset()));
                    }))
        .mapEmpty();
  }

  private void count(AssetState outcome) {
    switch (outcome) {
      case PROCESSED -> processed.increment();
      case REJECTED -> rejected.increment();
      default -> failed.increment();
    }
  }

  private static Counter outcomes(MeterRegistry registry, AssetState state) {
    return Counter.builder("files.processed")
        .description("files the processing queue finished, by outcome")
        .tag("outcome", state.wire())
        .register(registry);
  }
}
