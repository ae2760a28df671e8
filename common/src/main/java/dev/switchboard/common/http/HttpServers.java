package dev.switchboard.common.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.net.BindException;

/** Listening with a failure a person can act on: which address, which setting, and why. */
public final class HttpServers {

  private HttpServers() {}

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
