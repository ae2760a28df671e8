package dev.switchboard.files.upload;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A resumable upload as its sidecar file keeps it. Its offset is not kept there: it is the length
 * of its bytes file, which is right even after a crash in the middle of a write.
 *
 * @param metadata the {@code Upload-Metadata} header as the client sent it, echoed on HEAD
 * @param detectedType the type sniffed from the first bytes, null until enough of them arrived
 * @param seq the last progress event's sequence number
 */
record TusUpload(
    String id,
    long length,
    String name,
    String declaredType,
    String metadata,
    Instant expires,
    String detectedType,
    int seq) {

  TusUpload withProgress(String detectedType, int seq, Instant expires) {
    return new TusUpload(id, length, name, declaredType, metadata, expires, detectedType, seq);
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("length", length)
        .put("name", name)
        .put("declaredType", declaredType)
        .put("metadata", metadata)
        .put("expires", expires.toString())
        .put("detectedType", detectedType)
        .put("seq", seq);
  }

  static TusUpload fromJson(JsonObject json) {
    return new TusUpload(
        json.getString("id"),
        json.getLong("length"),
        json.getString("name"),
        json.getString("declaredType"),
        json.getString("metadata"),
        Instant.parse(json.getString("expires")),
        json.getString("detectedType"),
        json.getInteger("seq", 0));
  }
}
