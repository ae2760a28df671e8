package dev.switchboard.common.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * {@code Expect: 100-continue} (RFC 9110 § 10.1.1): a client that sends it waits for {@code 100
 * Continue} before it sends the body, and Vert.x does not answer it unless told to. Without the
 * answer {@code curl} waits a second before sending a large body anyway (its default for bodies
 * over 1 MiB), a second of every upload's time.
 */
public final class ExpectContinue {

  private ExpectContinue() {}

  /**
   * Tells a client that waits for it to send the body: called once the request passed the checks
   * its headers allow, as its body is about to be read. A request refused before this point gets
   * its final answer instead, and the client sends no body at all.
   */
  public static void goAhead(HttpServerRequest request) {
    String expect = request.getHeader(HttpHeaders.EXPECT);
    if (expect != null
        && expect.trim().equalsIgnoreCase("100-continue")
        && request.version() != HttpVersion.HTTP_1_0
        && !request.response().headWritten()) {
      request.response().writeContinue();
    }
  }
}
