package dev.switchboard.files.assets;

import dev.switchboard.files.analysis.Details;
import dev.switchboard.files.analysis.Thumbnail;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** What the analysis read, as an asset's {@code metadata} and {@code thumbnails}. */
final class DetailsJson {

  private DetailsJson() {}

  static JsonObject metadata(Details details) {
    if (details instanceof Details.Image image) {
      return new JsonObject()
          .put("kind", "image")
          .put("width", image.width())
          .put("height", image.height())
          .put("orientation", image.orientation())
          .put("cameraMake", image.cameraMake())
          .put("cameraModel", image.cameraModel())
          .put("taken", image.taken() == null ? null : image.taken().toString())
          .put("gpsPresent", image.gpsPresent());
    }
    if (details instanceof Details.Pdf pdf) {
      return new JsonObject()
          .put("kind", "pdf")
          .put("pages", pdf.pages())
          .put("title", pdf.title())
          .put("author", pdf.author());
    }
    if (details instanceof Details.Text text) {
      return new JsonObject()
          .put("kind", "text")
          .put("encoding", text.encoding())
          .put("lines", text.lines())
          .put("columns", text.columns())
          .put("jsonValid", text.jsonValid())
          .put("jsonError", text.jsonError());
    }
    if (details instanceof Details.Media media) {
      return new JsonObject()
          .put("kind", media.kind())
          .put("durationSeconds", media.durationSeconds())
          .put("width", media.width())
          .put("height", media.height())
          .put("sampleRate", media.sampleRate())
          .put("channels", media.channels())
          .put("codec", media.codec());
    }
    return new JsonObject();
  }

  /**
   * Thumbnails as stored: their sizes and type (the file is {@code <size>.jpg} or {@code .png}).
   */
  static JsonArray thumbnails(List<Thumbnail> thumbnails) {
    JsonArray stored = new JsonArray();
    for (Thumbnail thumbnail : thumbnails) {
      stored.add(
          new JsonObject()
              .put("size", thumbnail.size())
              .put("width", thumbnail.width())
              .put("height", thumbnail.height())
              .put("mediaType", thumbnail.mediaType()));
    }
    return stored;
  }
}
