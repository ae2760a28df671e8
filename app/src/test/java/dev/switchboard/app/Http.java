package dev.switchboard.app;

import static org.assertj.core.api.Assertions.fail;

import dev.switchboard.common.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Plain blocking HTTP/1.1 GETs against a switchboard process, with timeouts so a test never hangs.
 */
final class Http {

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private Http() {}

  record Response(int status, String contentType, String body, Duration took) {

    JsonObject json() {
      try {
        return new JsonObject(body);
      } catch (RuntimeException e) {
        throw new AssertionError("not a JSON object (status " + status + "): " + body, e);
      }
    }

    @Override
    public String toString() {
      return status + " " + contentType + " " + body;
    }
  }

  static Response get(String url) {
    return get(url, null);
  }

  /** GET with {@code Authorization: Bearer <token>} unless token is null; fails on a timeout. */
  static Response get(String url, String token) {
    try {
      return send(url, token);
    } catch (HttpTimeoutException e) {
      throw new AssertionError(
          "GET " + url + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s", e);
    } catch (IOException e) {
      throw new AssertionError("GET " + url + " failed: " + e, e);
    }
  }

  /**
   * Polls {@code url} until the answer satisfies {@code done} (connection refused counts as not
   * yet), failing with the process's output when it exits or the timeout passes.
   */
  static Response await(
      String url,
      String token,
      Predicate<Response> done,
      SwitchboardProcess process,
      Duration timeout) {
    try {
      return Eventually.within(timeout)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(IOException.class) // refused while it starts, or cut off
          .failFast(
              () -> {
                if (!process.isAlive()) {
                  fail(process.name() + " exited while waiting for " + url + "\n" + process.dump());
                }
              })
          .until(() -> send(url, token), done);
    } catch (ConditionTimeoutException e) {
      return fail(
          "GET "
              + url
              + " did not give the expected answer within "
              + timeout.toSeconds()
              + " s: "
              + e.getMessage()
              + "\n"
              + process.dump(),
          e);
    }
  }

  private static Response send(String url, String token) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    long started = System.nanoTime();
    try {
      HttpResponse<String> response =
          CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.body(),
          Duration.ofNanos(System.nanoTime() - started));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
