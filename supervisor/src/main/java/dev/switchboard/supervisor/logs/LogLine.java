package dev.switchboard.supervisor.logs;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One line of output: its number within its source, when it was read, which stream, and the text.
 */
public record LogLine(long seq, Instant at, String stream, String line) {

  public static final String STDOUT = "stdout";
  public static final String STDERR = "stderr";

  /** Lines the supervisor itself adds to a source: drops, exits, restarts. */
  public static final String NOTE = "switchboard";

  public JsonObject toJson() {
    return new JsonObject()
        .put("seq", seq)
        .put("ts", at.toString())
        .put("stream", stream)
        .put("line", line);
  }
}
