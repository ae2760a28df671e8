package dev.switchboard.files.upload;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.common.http.ExpectContinue;
import dev.switchboard.common.http.RequestBody;
import dev.switchboard.files.analysis.ContentCheck;
import dev.switchboard.files.analysis.Refused;
import dev.switchboard.files.analysis.Sha256;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tus 1.0.0 resumable upload protocol at {@code /api/v1/uploads/}, with the creation,
 * creation-with-upload, termination and expiration extensions. Every response carries {@code
 * Tus-Resumable}; a request without it (OPTIONS aside) is answered 412. One request at a time may
 * write to an upload: another one is answered 409, which tus-js-client retries. When the last byte
 * is in, the upload is handed to the {@link Intake} and the final response names the asset in
 * {@code Switchboard-Asset-Id}.
 */
final class TusUploads {

  static final String BASE = "/api/v1/uploads/";
  static final String VERSION = "1.0.0";
  static final String EXTENSIONS = "creation,creation-with-upload,termination,expiration";
  static final String ASSET_ID = "Switchboard-Asset-Id";
  static final String OFFSET_OCTET_STREAM = "application/offset+octet-stream";

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final UploadOptions options;
  private final ContentCheck check;
  private final Intake intake;
  private final Slots slots;
  private final TusStore store;
  private final Set<String> busy = ConcurrentHashMap.newKeySet();

  TusUploads(
      Vertx vertx,
      UploadOptions options,
      ContentCheck check,
      Intake intake,
      Slots slots,
      TusStore store) {
    this.vertx = vertx;
    this.options = options;
    this.check = check;
    this.intake = intake;
    this.slots = slots;
    this.store = store;
  }

  /** Every tus route is the uploader's: {@link Action#OPERATE}. */
  void mount(Router router) {
    Access.route(router, "/api/v1/uploads*", Action.OPERATE).handler(this::resumable);
    Access.route(router, HttpMethod.OPTIONS, "/api/v1/uploads", Action.OPERATE)
        .handler(this::describe);
    Access.route(router, HttpMethod.OPTIONS, BASE, Action.OPERATE).handler(this::describe);
    Access.route(router, HttpMethod.POST, "/api/v1/uploads", Action.OPERATE).handler(this::create);
    Access.route(router, HttpMethod.POST, BASE, Action.OPERATE).handler(this::create);
    // HEAD is the protocol's; GET too, since Problems routes a HEAD request as its GET
    Access.route(router, BASE + ":id", Action.OPERATE)
        .method(HttpMethod.HEAD)
        .method(HttpMethod.GET)
        .handler(this::status);
    Access.route(router, HttpMethod.PATCH, BASE + ":id", Action.OPERATE).handler(this::append);
    Access.route(router, HttpMethod.DELETE, BASE + ":id", Action.OPERATE).handler(this::terminate);
  }

  /** The uploads receiving bytes now, which the sweep leaves alone. */
  Set<String> busy() {
    return busy;
  }

  private void resumable(RoutingContext ctx) {
    ctx.response().putHeader("Tus-Resumable", VERSION);
    if (ctx.request().method() != HttpMethod.OPTIONS
        && !VERSION.equals(ctx.request().getHeader("Tus-Resumable"))) {
      ctx.response().putHeader("Tus-Version", VERSION);
      EarlyAnswer.problem(
          ctx,
          new ApiException(
              ErrorType.PRECONDITION_FAILED,
              "this server speaks tus " + VERSION + ": send Tus-Resumable: " + VERSION,
              "Tus-Resumable"));
      return;
    }
    ctx.next();
  }

  private void describe(RoutingContext ctx) {
    ctx.response()
        .setStatusCode(204)
        .putHeader("Tus-Version", VERSION)
        .putHeader("Tus-Extension", EXTENSIONS)
        .putHeader("Tus-Max-Size", Long.toString(options.maxUpload()))
        .end();
  }

  private void create(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    TusUpload upload;
    try {
      upload = newUpload(request);
    } catch (ApiException invalid) {
      EarlyAnswer.problem(ctx, invalid);
      return;
    }
    boolean withBytes = OFFSET_OCTET_STREAM.equals(request.getHeader(HttpHeaders.CONTENT_TYPE));
    if (withBytes && !take(ctx, upload.id())) {
      return;
    }
    store
        .count()
        .compose(
            held ->
                held < options.maxOpen()
                    ? store.create(upload)
                    : Future.failedFuture(
                        ApiException.unavailable(
                            held
                                + " unfinished uploads are held, as many as allowed: finish or"
                                + " delete one, or wait for abandoned ones to expire")))
        .onSuccess(
            created -> {
              ctx.response().putHeader(HttpHeaders.LOCATION, BASE + created.id());
              if (withBytes) {
                receive(ctx, created, 0, 201);
              } else {
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("Upload-Expires", HTTP_DATE.format(created.expires()))
                    .end();
              }
            })
        .onFailure(failure -> EarlyAnswer.problem(ctx, failure));
  }

  private TusUpload newUpload(HttpServerRequest request) {
    if (request.getHeader("Upload-Defer-Length") != null) {
      throw ApiException.invalid(
          "Upload-Defer-Length", "deferred lengths are not supported: send Upload-Length");
    }
    long length = header(request, "Upload-Length", "the upload's size in bytes");
    if (length > options.maxUpload()) {
      throw Transfer.tooLarge(options.maxUpload());
    }
    String metadata = request.getHeader("Upload-Metadata");
    Map<String, String> values = metadata(metadata);
    return new TusUpload(
        UUID.randomUUID().toString().replace("-", ""),
        length,
        values.getOrDefault("filename", values.get("name")),
        values.getOrDefault("filetype", values.get("type")),
        metadata,
        Instant.now().plus(options.expiry()),
        null,
        0);
  }

  private void status(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    live(id)
        .compose(upload -> store.offset(id).map(offset -> describe(ctx, upload, offset)))
        .onSuccess(response -> response.setStatusCode(200).end())
        .onFailure(failure -> EarlyAnswer.problem(ctx, failure));
  }

  private HttpServerResponse describe(RoutingContext ctx, TusUpload upload, long offset) {
    HttpServerResponse response =
        ctx.response()
            .putHeader("Upload-Offset", Long.toString(offset))
            .putHeader("Upload-Length", Long.toString(upload.length()))
            .putHeader("Upload-Expires", HTTP_DATE.format(upload.expires()))
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    if (upload.metadata() != null) {
      response.putHeader("Upload-Metadata", upload.metadata());
    }
    return response;
  }

  private void append(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    String id = ctx.pathParam("id");
    long offset;
    try {
      if (!OFFSET_OCTET_STREAM.equals(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
        throw new ApiException(
            ErrorType.UNSUPPORTED_MEDIA_TYPE,
            "a PATCH carries Content-Type: " + OFFSET_OCTET_STREAM,
            "Content-Type");
      }
      offset = header(request, "Upload-Offset", "where these bytes start in the upload");
    } catch (ApiException invalid) {
      EarlyAnswer.problem(ctx, invalid);
      return;
    }
    if (!take(ctx, id)) {
      return;
    }
    live(id)
        .compose(upload -> store.offset(id).map(held -> new Object[] {upload, held}))
        .onSuccess(
            found -> {
              TusUpload upload = (TusUpload) found[0];
              long held = (Long) found[1];
              if (held != offset) {
                EarlyAnswer.problem(
                    ctx,
                    new ApiException(
                        ErrorType.CONFLICT,
                        "the upload holds " + held + " bytes: send Upload-Offset: " + held,
                        "Upload-Offset"));
              } else {
                receive(ctx, upload, offset, 204);
              }
            })
        .onFailure(failure -> EarlyAnswer.problem(ctx, failure));
  }

  /**
   * Takes a transfer slot and the upload for this request, both given back when it ends; answers
   * 503 or 409 and false when either is taken.
   */
  private boolean take(RoutingContext ctx, String id) {
    if (!slots.tryTake()) {
      EarlyAnswer.problem(
          ctx, ApiException.unavailable("too many uploads at once: try again shortly"));
      return false;
    }
    if (!busy.add(id)) {
      slots.release();
      EarlyAnswer.problem(
          ctx,
          new ApiException(
              ErrorType.CONFLICT, "another request is writing to upload " + id, "Upload-Offset"));
      return false;
    }
    ctx.addEndHandler(
        ended -> {
          busy.remove(id);
          slots.release();
        });
    return true;
  }

  /** A request's running hash: the digest it was given at {@code offset}, fed by its transfer. */
  private record Hash(MessageDigest digest, long offset, Transfer transfer) {

    /** Whether the digest has been fed exactly the {@code held} bytes on disk. */
    boolean covers(long held) {
      return digest != null && transfer.wroteAll() && offset + transfer.received() == held;
    }
  }

  /** Where an upload stands once a request's bytes are in. */
  private record Outcome(long offset, Instant expires, String assetId) {}

  /** Appends the request body to the upload, from {@code offset}, and answers {@code status}. */
  private void receive(RoutingContext ctx, TusUpload upload, long offset, int status) {
    String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && offset + parseOr(declared, 0) > upload.length()) {
      EarlyAnswer.problem(
          ctx,
          new ApiException(
              ErrorType.PAYLOAD_TOO_LARGE,
              "the upload is " + upload.length() + " bytes long; these bytes would end past it",
              "Content-Length"));
      return;
    }
    String id = upload.id();
    int headHeld =
        upload.detectedType() == null ? (int) Math.min(offset, ContentCheck.HEAD_BYTES) : 0;
    Progress progress =
        new Progress(
            vertx.eventBus(),
            id,
            upload.name(),
            upload.length(),
            upload.seq(),
            options.progressInterval());
    MessageDigest digest = store.takeHash(id, offset);
    store
        .head(id, headHeld)
        .compose(
            prefix -> {
              TypeGate gate =
                  upload.detectedType() == null ? new TypeGate(check, upload.name(), prefix) : null;
              return DiskWriter.append(vertx, store.bytes(id))
                  .compose(
                      file -> {
                        Transfer transfer =
                            new Transfer(
                                RequestBody.of(ctx.request()),
                                file,
                                upload.length() - offset,
                                gate,
                                digest,
                                received -> progress.received(offset + received));
                        ExpectContinue.goAhead(ctx.request());
                        return transfer
                            .start()
                            .transform(
                                bytes -> {
                                  Hash hash = new Hash(digest, offset, transfer);
                                  return settle(upload, gate, progress, hash, bytes.cause());
                                });
                      });
            })
        .onSuccess(
            outcome -> {
              HttpServerResponse response =
                  ctx.response()
                      .setStatusCode(status)
                      .putHeader("Upload-Offset", Long.toString(outcome.offset()))
                      .putHeader("Upload-Expires", HTTP_DATE.format(outcome.expires()));
              if (outcome.assetId() != null) {
                response.putHeader(ASSET_ID, outcome.assetId());
              }
              response.end();
            })
        .onFailure(failure -> EarlyAnswer.problem(ctx, failure));
  }

  /**
   * The request's bytes are on disk, all of them or up to a failure (the client went away, a
   * limit): a refused type deletes the upload, anything else keeps what arrived, and the last byte
   * hands the upload to the intake.
   */
  private Future<Outcome> settle(
      TusUpload upload, TypeGate gate, Progress progress, Hash hash, Throwable failure) {
    String id = upload.id();
    if (failure instanceof ApiException refusal
        && refusal.type() == ErrorType.UNSUPPORTED_MEDIA_TYPE) {
      return store.delete(id).compose(deleted -> Future.failedFuture(refusal));
    }
    return store
        .offset(id)
        .compose(
            held -> {
              progress.settled(held);
              if (hash.covers(held)) {
                store.hashed(id, hash.digest(), held);
              }
              String type = gate == null ? upload.detectedType() : gate.type();
              if (held == upload.length() && type == null) {
                try {
                  type = gate.finish();
                } catch (Refused refused) {
                  return store
                      .delete(id)
                      .compose(deleted -> Future.failedFuture(Transfer.refusal(refused)));
                }
              }
              TusUpload updated =
                  upload.withProgress(type, progress.seq(), Instant.now().plus(options.expiry()));
              if (failure == null && held == upload.length()) {
                return finish(updated);
              }
              return store
                  .save(updated)
                  .compose(
                      saved ->
                          failure == null
                              ? Future.succeededFuture(new Outcome(held, updated.expires(), null))
                              : Future.failedFuture(failure));
            });
  }

  /**
   * Hands the complete upload to the intake; answers the asset's id. Its SHA-256 was computed as
   * the bytes arrived, unless some of them arrived before a restart (or a write failed): then the
   * file is read once more to hash it.
   */
  private Future<Outcome> finish(TusUpload upload) {
    String id = upload.id();
    Path target = options.directory().resolve(id + ".part");
    MessageDigest digest = store.takeHash(id, upload.length());
    Future<String> hashed =
        digest != null
            ? Future.succeededFuture(Transfer.hex(digest))
            : vertx.executeBlocking(() -> Sha256.of(store.bytes(id)));
    return hashed
        .compose(sha256 -> store.release(id, target).map(sha256))
        .compose(
            sha256 ->
                intake
                    .accept(
                        new Received(
                            id,
                            target,
                            upload.name(),
                            upload.declaredType(),
                            upload.detectedType(),
                            upload.length(),
                            sha256))
                    .onFailure(
                        failure -> vertx.fileSystem().delete(target.toString()).otherwiseEmpty()))
        .map(asset -> new Outcome(upload.length(), upload.expires(), asset.getString("id")));
  }

  private void terminate(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (busy.contains(id)) {
      EarlyAnswer.problem(
          ctx, new ApiException(ErrorType.CONFLICT, "upload " + id + " is receiving bytes", null));
      return;
    }
    store
        .find(id)
        .compose(upload -> store.delete(id))
        .onSuccess(freed -> ctx.response().setStatusCode(204).end())
        .onFailure(failure -> EarlyAnswer.problem(ctx, failure));
  }

  /** The upload, or 404 when there is none or it expired (the sweep will collect it). */
  private Future<TusUpload> live(String id) {
    return store
        .find(id)
        .compose(
            upload ->
                upload.expires().isBefore(Instant.now())
                    ? Future.failedFuture(ApiException.notFound("upload " + id + " expired"))
                    : Future.succeededFuture(upload));
  }

  /** A non-negative number header, or a 400 naming it. */
  private static long header(HttpServerRequest request, String name, String meaning) {
    String value = request.getHeader(name);
    if (value == null) {
      throw ApiException.invalid(name, name + " is required: " + meaning);
    }
    long number = parseOr(value, -1);
    if (number < 0) {
      throw ApiException.invalid(name, name + " must be a non-negative integer: " + meaning);
    }
    return number;
  }

  private static long parseOr(String value, long fallback) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /**
   * The {@code Upload-Metadata} header: comma-separated pairs of a key and a base64 value (the
   * value may be absent).
   */
  static Map<String, String> metadata(String header) {
    Map<String, String> values = new HashMap<>();
    if (header == null || header.isBlank()) {
      return values;
    }
    for (String pair : header.split(",")) {
      String[] parts = pair.trim().split(" ");
      if (parts.length > 2 || parts[0].isEmpty()) {
        throw ApiException.invalid(
            "Upload-Metadata", "each entry is a key and a base64 value: \"" + pair.trim() + "\"");
      }
      try {
        values.put(
            parts[0],
            parts.length == 1
                ? ""
                : new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid(
            "Upload-Metadata", "the value of " + parts[0] + " is not base64");
      }
    }
    return values;
  }
}
