package dev.switchboard.supervisor;

import dev.switchboard.supervisor.definition.HealthCheck;
import dev.switchboard.supervisor.process.Launch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.concurrent.TimeUnit;

/**
 * Runs one health check: an HTTP GET (a status in the expected range is healthy), a TCP connect to
 * 127.0.0.1, or a command that exits 0 within the timeout. A failed future carries the reason
 * ("HTTP 503", "connection refused", "exit 1"), shown with an unhealthy service.
 */
final class HealthProbe {

  private final Vertx vertx;
  private final WorkerExecutor workers;
  private final HttpClient http;
  private final NetClient tcp;

  HealthProbe(Vertx vertx, WorkerExecutor workers) {
    this.vertx = vertx;
    this.workers = workers;
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(false).setTrustAll(true).setVerifyHost(false));
    this.tcp = vertx.createNetClient(new NetClientOptions());
  }

  Future<Void> check(HealthCheck check, Launch launch) {
    return switch (check.kind()) {
      case HTTP -> http(check);
      case TCP -> tcp(check);
      case COMMAND -> command(check, launch);
      case NONE -> Future.succeededFuture();
    };
  }

  private Future<Void> http(HealthCheck check) {
    long timeout = check.timeout().toMillis();
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(check.url().toString())
            .setConnectTimeout(timeout)
            .setIdleTimeout(timeout);
    return http.request(options)
        .compose(request -> request.send())
        .compose(
            response ->
                response
                    .body()
                    .compose(
                        body -> {
                          int status = response.statusCode();
                          return status >= check.expectMin() && status <= check.expectMax()
                              ? Future.<Void>succeededFuture()
                              : Future.<Void>failedFuture(
                                  "HTTP " + status + " from " + check.url());
                        }))
        .recover(err -> Future.failedFuture(reason(err)));
  }

  private Future<Void> tcp(HealthCheck check) {
    return tcp.connect(check.port(), "127.0.0.1")
        .compose(socket -> socket.close())
        .recover(err -> Future.failedFuture("TCP 127.0.0.1:" + check.port() + ": " + reason(err)));
  }

  private Future<Void> command(HealthCheck check, Launch launch) {
    return workers
        .executeBlocking(
            () -> {
              // the service's own directory and environment
              Process process =
                  new Launch(check.command(), launch.cwd(), launch.env()).startQuietly();
              if (!process.waitFor(check.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(
                    "health command timed out after " + check.timeout().toMillis() + " ms");
              }
              if (process.exitValue() != 0) {
                throw new IllegalStateException("health command exited " + process.exitValue());
              }
              return null;
            },
            false)
        .<Void>mapEmpty()
        .recover(err -> Future.failedFuture(reason(err)));
  }

  private static String reason(Throwable err) {
    String message = err.getMessage();
    return message == null ? err.getClass().getSimpleName() : message;
  }

  Future<Void> close() {
    return Future.all(http.close(), tcp.close()).mapEmpty();
  }
}
