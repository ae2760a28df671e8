package dev.switchboard.files.upload;

import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.auth.Caller;
import dev.switchboard.common.auth.Role;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.common.http.Problems;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.files.analysis.AllowList;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The upload routes alone on a real HTTP server on a free port (made as the services make theirs),
 * with a {@link RecordingIntake}, as the tests (and the small-heap probe) use them.
 */
final class UploadServer implements AutoCloseable {

  final Vertx vertx;
  final UploadOptions options;
  final RecordingIntake intake;
  final UploadRoutes routes;
  final HttpServer server;

  private UploadServer(Vertx vertx, UploadOptions options, Path kept) throws Exception {
    this.vertx = vertx;
    this.options = options;
    this.intake = new RecordingIntake(kept);
    Router router = Problems.install(Router.router(vertx));
    // the routes alone: every request is the admin's (ApiRouter's token check is tested elsewhere)
    router.route("/api/*").handler(BearerAuth.trusting(new Caller("test", Role.ADMIN)));
    this.routes = await(UploadRoutes.mount(router, vertx, options, intake));
    this.server =
        await(HttpServers.takingUploads(vertx).requestHandler(router).listen(0, "127.0.0.1"));
  }

  /** Options for tests: uploads under {@code dir}, the default allow-list, fast progress. */
  static UploadOptions options(Path dir, long maxUpload, Duration expiry) {
    return options(dir, maxUpload, expiry, UploadOptions.MAX_OPEN);
  }

  /** As {@link #options(Path, long, Duration)}, holding at most {@code maxOpen} tus uploads. */
  static UploadOptions options(Path dir, long maxUpload, Duration expiry, int maxOpen) {
    return new UploadOptions(
        dir.resolve("uploads"),
        maxUpload,
        expiry,
        AllowList.DEFAULT,
        Duration.ofMillis(100),
        4,
        maxOpen);
  }

  /** A server on a Vert.x with metrics, so that {@link Telemetry#registry()} is a real one. */
  static UploadServer start(UploadOptions options, Path kept) throws Exception {
    return start(options, kept, new VertxOptions());
  }

  /** As {@link #start(UploadOptions, Path)}, on a Vert.x made with {@code vertxOptions}. */
  static UploadServer start(UploadOptions options, Path kept, VertxOptions vertxOptions)
      throws Exception {
    return new UploadServer(
        Telemetry.vertxBuilder("file-processor", vertxOptions).build(), options, kept);
  }

  int port() {
    return server.actualPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  @Override
  public void close() throws Exception {
    routes.close();
    await(vertx.close());
  }

  static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
