package dev.switchboard.files.upload;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.files.analysis.Refused;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * Copies one body (a multipart part, a tus PATCH) into a file as it arrives, with backpressure: the
 * source is paused while the file's write queue is full, so the heap never holds more than a few
 * chunks. On the way it counts the bytes against a limit, feeds the head to a {@link TypeGate} and,
 * when asked, hashes them. Whether a body shorter than the head is acceptable is the caller's
 * question ({@link TypeGate#finish()}): a tus PATCH may end before the upload does. A refusal (too
 * large, a refused type) or the source failing (the client went away) stops the copy at once,
 * closes the file and fails the transfer; the caller decides what becomes of the file.
 */
final class Transfer {

  private final ReadStream<Buffer> source;
  private final DiskWriter file;
  private final long limit;
  private final TypeGate gate;
  private final MessageDigest digest;
  private boolean fileFailed;
  private final LongConsumer progress;
  private final Promise<Long> done = Promise.promise();
  private long received;
  private boolean stopped;

  /**
   * @param limit the most bytes this body may carry
   * @param gate the type check, or null when the type is already known
   * @param digest fed every byte on the way ({@link #newSha256()}), or null
   * @param progress told the count of bytes received after each chunk
   */
  Transfer(
      ReadStream<Buffer> source,
      DiskWriter file,
      long limit,
      TypeGate gate,
      MessageDigest digest,
      LongConsumer progress) {
    this.source = source;
    this.file = file;
    this.limit = limit;
    this.gate = gate;
    this.digest = digest;
    this.progress = progress;
  }

  /** Starts reading; answers the bytes written once they are all on disk and the file is closed. */
  Future<Long> start() {
    if (digest != null) {
      // hashed on a worker thread, block by block, as the file writes them
      file.hashInto(digest);
    }
    file.exceptionHandler(
        failure -> {
          fileFailed = true;
          stop(failure);
        });
    source.exceptionHandler(this::stop);
    source.endHandler(v -> ended());
    source.handler(this::chunk);
    source.resume();
    return done.future();
  }

  /** Bytes received so far (all written once {@link #start()}'s future completes). */
  long received() {
    return received;
  }

  /** The SHA-256 of the bytes, lower-case hex; only once the transfer succeeded with a digest. */
  String sha256() {
    return hex(digest);
  }

  /** The digest's value, lower-case hex (the digest is reset). */
  static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  private void chunk(Buffer chunk) {
    if (stopped) {
      return;
    }
    if (received + chunk.length() > limit) {
      stop(tooLarge(limit));
      return;
    }
    received += chunk.length();
    if (gate != null) {
      try {
        gate.feed(chunk);
      } catch (Refused refused) {
        stop(refusal(refused));
        return;
      }
    }
    file.write(chunk);
    if (file.full()) {
      source.pause();
      file.drainHandler(v -> source.resume());
    }
    progress.accept(received);
  }

  /** Stops the copy, if it still runs, and fails it with {@code cause}. */
  void abort(Throwable cause) {
    stop(cause);
  }

  private void ended() {
    if (stopped) {
      return;
    }
    stopped = true;
    file.close().onComplete(closed -> done.tryComplete(received), done::tryFail);
  }

  private void stop(Throwable cause) {
    if (stopped) {
      return;
    }
    stopped = true;
    source.pause();
    file.close().onComplete(closed -> done.tryFail(cause));
  }

  static ApiException tooLarge(long limit) {
    return new ApiException(
        ErrorType.PAYLOAD_TOO_LARGE, "the upload is larger than " + limit + " bytes", null);
  }

  static ApiException refusal(Refused refused) {
    return new ApiException(ErrorType.UNSUPPORTED_MEDIA_TYPE, refused.getMessage(), null);
  }

  /**
   * Whether every byte received reached the file: true unless a write failed (the source failing
   * does not count, the bytes before it are all written once the transfer ends).
   */
  boolean wroteAll() {
    return !fileFailed;
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
