package dev.switchboard.files.upload;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ExpectContinue;
import dev.switchboard.common.http.RequestBody;
import dev.switchboard.files.analysis.ContentCheck;
import dev.switchboard.files.analysis.Refused;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One {@code POST /api/v1/files} request: each file part is streamed to its own file in the uploads
 * directory as it arrives, and once the whole request is in, every file is handed to the {@link
 * Intake} in order. A request is all or nothing: a refused part, a body over the limit, a malformed
 * body or a client that goes away deletes every file of the request and the intake never hears of
 * it.
 *
 * <p>The body is parsed by {@link MultipartParser} from the request's chunks, and a file part's
 * content goes to its {@link Transfer} as slices of those chunks. The request is paused while a
 * part's file is being opened and while its writer is full; the parser then keeps the rest of the
 * chunk it was in, so the heap holds at most one chunk besides the writer's blocks. Parts that are
 * not files (form fields) are read and dropped, their bytes counted against the size limit.
 */
final class MultipartUpload implements MultipartParser.Listener {

  /** A part on disk. */
  private record Stored(
      String uploadId, Path file, MultipartParser.Part part, TypeGate gate, Transfer bytes) {}

  private final RoutingContext ctx;
  private final HttpServerRequest request;
  // the request's body, read from start() on
  private RequestBody body;
  private final Vertx vertx;
  private final UploadOptions options;
  private final ContentCheck check;
  private final Intake intake;
  private final List<Path> files = new ArrayList<>();
  private final List<Future<Stored>> parts = new ArrayList<>();
  // chunks the request delivered while the parser still held one (at most a few)
  private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
  private MultipartParser parser;
  private Transfer current;
  // the current file part's content, as Transfer reads it; null in a field or between parts
  private PartSource source;
  private boolean opening;
  private boolean pumping;
  private boolean requestEnded;
  private long received;
  private boolean failed;

  MultipartUpload(
      RoutingContext ctx, Vertx vertx, UploadOptions options, ContentCheck check, Intake intake) {
    this.ctx = ctx;
    this.request = ctx.request();
    this.vertx = vertx;
    this.options = options;
    this.check = check;
    this.intake = intake;
  }

  /**
   * Starts reading the body.
   *
   * @throws ApiException 400 when the content type has no valid boundary (nothing started then)
   */
  void start() {
    parser =
        new MultipartParser(
            MultipartParser.boundaryOf(request.getHeader(HttpHeaders.CONTENT_TYPE)), this);
    body = RequestBody.of(request);
    body.handler(
        chunk -> {
          if (!failed) {
            pending.add(chunk);
            pump();
            if (body.lending()) {
              keepWhatIsHeld();
            }
          }
        });
    body.exceptionHandler(this::fail);
    body.endHandler(
        v -> {
          requestEnded = true;
          pump();
        });
    ExpectContinue.goAhead(request);
    // a filter before these routes may have paused the request while it checked something
    body.resume();
  }

  /**
   * After a lent chunk: what the parser or the queue still holds of it is copied, as the chunk's
   * array is used again once the handler returns. The request is paused then, so this happens at
   * most once per opening of a file or filling of a writer.
   */
  private void keepWhatIsHeld() {
    if (parser.holding()) {
      parser.keep();
    }
    for (int i = pending.size(); i > 0; i--) {
      pending.add(pending.poll().copy());
    }
  }

  /**
   * Parses while the current part can take bytes: feeds the chunks received, resumes the parser
   * when what stopped it is gone, and pauses or resumes the request to match. Every change of
   * {@link #opening} or of the part's pause calls this.
   */
  private void pump() {
    if (pumping || failed) {
      return;
    }
    pumping = true;
    try {
      while (!failed && open()) {
        if (parser.suspended()) {
          parser.resume();
        } else if (!parser.holding() && !pending.isEmpty()) {
          parser.feed(pending.poll());
        } else {
          break;
        }
      }
      if (failed) {
        return;
      }
      boolean idle = open() && !parser.suspended() && !parser.holding() && pending.isEmpty();
      if (!idle) {
        body.pause();
      } else if (requestEnded) {
        parser.finish();
        ended();
      } else {
        body.resume();
      }
    } catch (ApiException malformed) {
      fail(malformed);
    } finally {
      pumping = false;
    }
  }

  /** Whether the parser may go on: no file being opened, the part's writer not full. */
  private boolean open() {
    return !opening && (source == null || !source.paused);
  }

  @Override
  public void part(MultipartParser.Part part) {
    if (!part.isFile()) {
      return;
    }
    opening = true;
    parser.suspend();
    String uploadId = UUID.randomUUID().toString();
    Path file = options.directory().resolve(uploadId + ".part");
    Progress progress =
        new Progress(
            vertx.eventBus(), uploadId, part.filename(), null, 0, options.progressInterval());
    TypeGate gate = new TypeGate(check, part.filename(), new byte[0]);
    PartSource content = new PartSource();
    source = content;
    Future<Stored> stored =
        DiskWriter.create(vertx, file)
            .compose(
                opened -> {
                  if (failed) {
                    return opened
                        .close()
                        .compose(closed -> Future.failedFuture("the request failed"));
                  }
                  current =
                      new Transfer(
                          content,
                          opened,
                          options.maxUpload() - received,
                          gate,
                          Transfer.newSha256(),
                          progress::received);
                  Transfer transfer = current;
                  opening = false;
                  // starting resumes the content, and so the parsing
                  return transfer
                      .start()
                      .compose(
                          size -> {
                            progress.settled(size);
                            return complete(new Stored(uploadId, file, part, gate, transfer));
                          });
                });
    files.add(file);
    parts.add(stored);
    stored.onFailure(this::fail);
  }

  @Override
  public void data(Buffer bytes) {
    if (source != null) {
      source.deliver(bytes);
      return;
    }
    // a form field's value: not kept, but counted
    received += bytes.length();
    if (received > options.maxUpload()) {
      fail(Transfer.tooLarge(options.maxUpload()));
    }
  }

  @Override
  public void partEnd() {
    if (source != null) {
      PartSource ended = source;
      source = null;
      ended.end();
    }
  }

  @Override
  public void end() {
    // the epilogue, if any, is read and dropped until the request ends
  }

  /** One file part's content as a stream, for its {@link Transfer}. */
  private final class PartSource implements ReadStream<Buffer> {
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private boolean paused = true;

    void deliver(Buffer bytes) {
      if (handler != null) {
        handler.handle(bytes);
      }
    }

    void end() {
      if (endHandler != null) {
        endHandler.handle(null);
      }
    }

    @Override
    public PartSource exceptionHandler(Handler<Throwable> handler) {
      // the request's failure fails the whole upload, which aborts the transfer
      return this;
    }

    @Override
    public PartSource handler(Handler<Buffer> handler) {
      this.handler = handler;
      return this;
    }

    @Override
    public PartSource pause() {
      paused = true;
      if (source == this) {
        parser.suspend();
      }
      return this;
    }

    @Override
    public PartSource resume() {
      paused = false;
      if (source == this) {
        pump();
      }
      return this;
    }

    @Override
    public PartSource fetch(long amount) {
      return resume();
    }

    @Override
    public PartSource endHandler(Handler<Void> endHandler) {
      this.endHandler = endHandler;
      return this;
    }
  }

  /** A part is complete: checked whole if it was shorter than the type check's head. */
  private Future<Stored> complete(Stored part) {
    received += part.bytes().received();
    try {
      part.gate().finish();
      return Future.succeededFuture(part);
    } catch (Refused refused) {
      return Future.failedFuture(Transfer.refusal(refused));
    }
  }

  private void ended() {
    if (failed) {
      return;
    }
    if (parts.isEmpty()) {
      fail(ApiException.invalid("file", "the request holds no file part"));
      return;
    }
    Future.all(parts)
        .onSuccess(
            all -> {
              List<Stored> complete = new ArrayList<>();
              parts.forEach(part -> complete.add(part.result()));
              accept(complete, 0, new JsonArray());
            });
  }

  /** Hands the files to the intake one after the other; a failure deletes the ones not handed. */
  private void accept(List<Stored> complete, int index, JsonArray assets) {
    if (index == complete.size()) {
      ctx.response()
          .setStatusCode(201)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("files", assets).encode());
      return;
    }
    Stored part = complete.get(index);
    Received received =
        new Received(
            part.uploadId(),
            part.file(),
            part.part().filename(),
            part.part().contentType(),
            part.gate().type(),
            part.bytes().received(),
            part.bytes().sha256());
    intake
        .accept(received)
        .onSuccess(asset -> accept(complete, index + 1, assets.add(asset)))
        .onFailure(
            failure -> {
              // the intake owns the files it was given; the ones after it are still ours
              complete.subList(index, complete.size()).forEach(left -> delete(left.file()));
              EarlyAnswer.problem(ctx, failure);
            });
  }

  private void fail(Throwable failure) {
    if (failed) {
      return;
    }
    failed = true;
    if (body != null) {
      body.pause();
    } else {
      request.pause();
    }
    pending.clear();
    if (current != null) {
      current.abort(failure);
    }
    // each file is deleted once its transfer has closed it
    for (int i = 0; i < parts.size(); i++) {
      Path file = files.get(i);
      parts.get(i).onComplete(done -> delete(file));
    }
    EarlyAnswer.problem(ctx, failure);
  }

  private void delete(Path file) {
    vertx.fileSystem().delete(file.toString()).otherwiseEmpty();
  }
}
