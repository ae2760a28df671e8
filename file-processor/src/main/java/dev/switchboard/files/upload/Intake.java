package dev.switchboard.files.upload;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** Where finished uploads go: the asset side of file-processor. */
public interface Intake {
  /**
   * Takes a complete upload: the file is the caller's to move or delete from now on. Answers the
   * asset (JSON), with "duplicate": true when these bytes were already an asset (then the file is
   * deleted).
   */
  Future<JsonObject> accept(Received received);
}
