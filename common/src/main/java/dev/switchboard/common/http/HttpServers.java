package dev.switchboard.common.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.BindException;

/** Listening with a failure a person can act on: which address, which setting, and why. */
public final class HttpServers {

  /**
   * The most bytes of a request body a server that takes uploads hands on at once: what Netty reads
   * from a socket at most (its adaptive receive buffer tops out at 64 KiB), so a body arrives in
   * the pieces it was read in. Vert.x's default cuts them to 8 KiB, and every piece costs the
   * handlers it passes through (a multipart parser's search and bookkeeping, a heap copy, a write
   * call): a GiB is then 131,072 pieces instead of about 16,384 (bench/README.md, "Upload: fifth
   * round").
   */
  public static final int UPLOAD_CHUNK = 64 * 1024;

  private HttpServers() {}

  /**
   * Options for a server that takes uploads (the gateway, file-processor): a body's chunks up to
   * {@link #UPLOAD_CHUNK}. What a chunk holds is garbage once handled, so this bounds a paused
   * upload's heap at one such chunk, as before at one of 8 KiB.
   */
  public static HttpServerOptions uploadOptions() {
    return new HttpServerOptions().setMaxChunkSize(UPLOAD_CHUNK);
  }

  /**
   * A server that takes uploads: {@link #uploadOptions()}, and every HTTP/1.x connection tapped so
   * that a body read through {@link RequestBody} is lent its chunks rather than handed a heap copy
   * of each.
   */
  public static HttpServer takingUploads(Vertx vertx) {
    return vertx.createHttpServer(uploadOptions()).connectionHandler(BodyTap::install);
  }

  /**
   * @param setting the environment name of the port setting, named in the failure
   */
  public static Future<HttpServer> listen(
      HttpServer server, String host, int port, String setting) {
    return server
        .listen(port, host)
        .recover(
            err ->
                Future.failedFuture(
                    new IllegalStateException(
                        "cannot listen on "
                            + host
                            + ":"
                            + port
                            + " ("
                            + setting
                            + "): "
                            + bindProblem(err),
                        err)));
  }

  /** Why a listen failed, in words: "the address is already in use" for a taken port. */
  public static String bindProblem(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof BindException || message.contains("Address already in use")) {
        return message.contains("in use") ? "the address is already in use" : message;
      }
    }
    return String.valueOf(err.getMessage());
  }
}
