package dev.switchboard.files.upload;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link Intake} that keeps what it was given: each upload's bytes are moved to {@code kept} (as
 * the asset side would move them to its store) and recorded, and the asset answered is {@code {id,
 * name, sha256}}.
 */
final class RecordingIntake implements Intake {

  private final Path kept;
  private final List<Received> received = new CopyOnWriteArrayList<>();

  RecordingIntake(Path kept) {
    this.kept = kept;
  }

  @Override
  public Future<JsonObject> accept(Received upload) {
    try {
      Files.createDirectories(kept);
      Path target = kept.resolve(upload.uploadId());
      Files.move(upload.file(), target);
      received.add(upload);
      return Future.succeededFuture(
          new JsonObject()
              .put("id", "asset-" + received.size())
              .put("name", upload.name())
              .put("sha256", upload.sha256()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Received> received() {
    return received;
  }

  /** Where the bytes of an upload it took are now. */
  Path bytesOf(Received upload) {
    return kept.resolve(upload.uploadId());
  }
}
