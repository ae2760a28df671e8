package dev.switchboard.files.upload;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.files.analysis.ContentCheck;
import dev.switchboard.files.analysis.Refused;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One {@code POST /api/v1/files} request: each file part is streamed to its own file in the uploads
 * directory as it arrives, and once the whole request is in, every file is handed to the {@link
 * Intake} in order. A request is all or nothing: a refused part, a body over the limit or a client
 * that goes away deletes every file of the request and the intake never hears of it.
 */
final class MultipartUpload {

  /** A part on disk. */
  private record Part(
      String uploadId, Path file, HttpServerFileUpload upload, TypeGate gate, Transfer bytes) {}

  private final RoutingContext ctx;
  private final Vertx vertx;
  private final UploadOptions options;
  private final ContentCheck check;
  private final Intake intake;
  private final List<Path> files = new ArrayList<>();
  private final List<Future<Part>> parts = new ArrayList<>();
  private Transfer current;
  private long received;
  private boolean failed;

  MultipartUpload(
      RoutingContext ctx, Vertx vertx, UploadOptions options, ContentCheck check, Intake intake) {
    this.ctx = ctx;
    this.vertx = vertx;
    this.options = options;
    this.check = check;
    this.intake = intake;
  }

  void start() {
    var request = ctx.request();
    request.setExpectMultipart(true);
    request.uploadHandler(this::part);
    request.exceptionHandler(this::fail);
    request.endHandler(v -> ended());
    // a filter before these routes may have paused the request while it checked something
    request.resume();
  }

  private void part(HttpServerFileUpload upload) {
    upload.pause();
    if (failed) {
      return;
    }
    String uploadId = UUID.randomUUID().toString();
    Path file = options.directory().resolve(uploadId + ".part");
    String name = upload.filename();
    Progress progress =
        new Progress(vertx.eventBus(), uploadId, name, null, 0, options.progressInterval());
    TypeGate gate = new TypeGate(check, name, new byte[0]);
    Future<Part> part =
        DiskWriter.create(vertx, file)
            .compose(
                opened -> {
                  current =
                      new Transfer(
                          upload,
                          opened,
                          options.maxUpload() - received,
                          gate,
                          Transfer.newSha256(),
                          progress::received);
                  Transfer transfer = current;
                  return failed
                      ? opened.close().compose(closed -> Future.failedFuture("the request failed"))
                      : transfer
                          .start()
                          .compose(
                              size -> {
                                progress.settled(size);
                                return complete(new Part(uploadId, file, upload, gate, transfer));
                              });
                });
    files.add(file);
    parts.add(part);
    part.onFailure(this::fail);
  }

  /** A part is complete: checked whole if it was shorter than the type check's head. */
  private Future<Part> complete(Part part) {
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
              List<Part> complete = new ArrayList<>();
              parts.forEach(part -> complete.add(part.result()));
              accept(complete, 0, new JsonArray());
            });
  }

  /** Hands the files to the intake one after the other; a failure deletes the ones not handed. */
  private void accept(List<Part> complete, int index, JsonArray assets) {
    if (index == complete.size()) {
      ctx.response()
          .setStatusCode(201)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("files", assets).encode());
      return;
    }
    Part part = complete.get(index);
    Received received =
        new Received(
            part.uploadId(),
            part.file(),
            part.upload().filename(),
            part.upload().contentType(),
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
