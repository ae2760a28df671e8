package dev.switchboard.files.upload;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.files.analysis.ContentCheck;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileSystem;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that moves upload bytes: {@code POST /api/v1/files} (multipart, streamed) and tus
 * resumable uploads at {@code /api/v1/uploads/}, both checking the type from the first bytes as
 * they arrive and handing complete files to an {@link Intake}; plus the periodic sweep that deletes
 * abandoned tus uploads. The routes read the raw request: mount them on a router with no {@code
 * BodyHandler} in front of them, and pause the request in any asynchronous filter before them.
 */
public final class UploadRoutes implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(UploadRoutes.class);

  private final Vertx vertx;
  private final UploadOptions options;
  private final ContentCheck check;
  private final Intake intake;
  private final Slots slots;
  private final TusStore store;
  private final TusUploads tus;
  private final Counter expired;
  private final Counter reclaimed;
  private long sweepTimer = -1;

  private UploadRoutes(Vertx vertx, UploadOptions options, Intake intake) {
    this.vertx = vertx;
    this.options = options;
    this.check = new ContentCheck(options.allowList());
    this.intake = intake;
    this.slots = new Slots(options.maxConcurrent());
    this.store = new TusStore(vertx.fileSystem(), options.tusDirectory());
    this.tus = new TusUploads(vertx, options, check, intake, slots, store);
    MeterRegistry registry = Telemetry.registry();
    this.expired =
        Counter.builder("files.uploads.expired")
            .description("resumable uploads deleted because they were abandoned")
            .register(registry);
    this.reclaimed =
        Counter.builder("files.uploads.reclaimed.bytes")
            .description("disk freed by deleting abandoned resumable uploads")
            .baseUnit("bytes")
            .register(registry);
  }

  /**
   * Creates the uploads directories, mounts the routes on {@code router} and starts the sweep;
   * {@link #close()} stops the sweep.
   */
  public static Future<UploadRoutes> mount(
      Router router, Vertx vertx, UploadOptions options, Intake intake) {
    UploadRoutes routes = new UploadRoutes(vertx, options, intake);
    return routes
        .store
        .init()
        .compose(created -> routes.removeInterruptedParts())
        .map(
            created -> {
              Access.route(router, HttpMethod.POST, "/api/v1/files", Action.OPERATE)
                  .handler(routes::files);
              // the seed's name for the same upload
              Access.route(router, HttpMethod.POST, "/api/files/process", Action.OPERATE)
                  .handler(routes::files);
              routes.tus.mount(router);
              routes.sweepTimer =
                  vertx.setPeriodic(options.sweepInterval().toMillis(), tick -> routes.sweep());
              return routes;
            });
  }

  /**
   * Deletes the parts of multipart uploads that a crash interrupted: a finished part is handed to
   * the intake at once, so every part on disk at start belongs to a request that is gone.
   */
  private Future<Void> removeInterruptedParts() {
    FileSystem fs = vertx.fileSystem();
    return fs.readDir(options.directory().toString(), ".*\\.part")
        .compose(
            parts -> {
              if (!parts.isEmpty()) {
                LOG.info("deleting {} parts of uploads interrupted by the last stop", parts.size());
              }
              return Future.all(parts.stream().map(fs::delete).toList());
            })
        .mapEmpty();
  }

  private void files(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      EarlyAnswer.problem(
          ctx,
          new ApiException(
              ErrorType.UNSUPPORTED_MEDIA_TYPE,
              "files are sent as multipart/form-data",
              "Content-Type"));
      return;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && exceeds(length, options.maxUpload())) {
      EarlyAnswer.problem(ctx, Transfer.tooLarge(options.maxUpload()));
      return;
    }
    if (!slots.tryTake()) {
      EarlyAnswer.problem(
          ctx, ApiException.unavailable("too many uploads at once: try again shortly"));
      return;
    }
    ctx.addEndHandler(ended -> slots.release());
    try {
      new MultipartUpload(ctx, vertx, options, check, intake).start();
    } catch (ApiException noBoundary) {
      EarlyAnswer.problem(ctx, noBoundary);
    }
  }

  private static boolean exceeds(String length, long limit) {
    try {
      return Long.parseLong(length.trim()) > limit;
    } catch (NumberFormatException e) {
      // Vert.x refuses a malformed Content-Length before any handler runs
      return false;
    }
  }

  /** Deletes the tus uploads whose expiry passed, and counts what that freed. */
  Future<TusStore.Swept> sweep() {
    return store
        .sweep(Instant.now(), tus.busy())
        .onSuccess(
            swept -> {
              if (swept.uploads() > 0) {
                expired.increment(swept.uploads());
                reclaimed.increment(swept.bytes());
                LOG.info(
                    "deleted {} abandoned uploads, {} bytes freed", swept.uploads(), swept.bytes());
              }
            })
        .onFailure(failure -> LOG.warn("the sweep of abandoned uploads failed", failure));
  }

  /** Stops the sweep; uploads on disk stay for the next start. */
  @Override
  public void close() {
    vertx.cancelTimer(sweepTimer);
  }
}
