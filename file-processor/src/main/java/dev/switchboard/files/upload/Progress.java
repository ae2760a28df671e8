package dev.switchboard.files.upload;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The progress events of one upload on {@link Addresses#FILES_UPLOADS}: {@code {uploadId, name,
 * received, total, seq}}, at most one per interval while bytes arrive plus a last one when they
 * stop. {@code seq} counts the upload's events from 1 (across the PATCH requests of a tus upload),
 * so a client can tell how many it missed.
 */
final class Progress {

  private final EventBus bus;
  private final String uploadId;
  private final String name;
  private final Long total;
  private final long intervalNanos;
  private int seq;
  private long lastPublished;
  private long lastReceived = -1;

  /**
   * @param total the upload's length, null when unknown (a multipart part)
   * @param seq the sequence number of the last event already published for this upload
   */
  Progress(EventBus bus, String uploadId, String name, Long total, int seq, Duration interval) {
    this.bus = bus;
    this.uploadId = uploadId;
    this.name = name;
    this.total = total;
    this.seq = seq;
    this.intervalNanos = interval.toNanos();
    this.lastPublished = System.nanoTime();
  }

  /** Bytes arrived: publishes when the interval since the last event has passed. */
  void received(long received) {
    long now = System.nanoTime();
    if (now - lastPublished >= intervalNanos) {
      lastPublished = now;
      publish(received);
    }
  }

  /**
   * The bytes stopped (the upload ended, or this request did): publishes unless nothing changed.
   */
  void settled(long received) {
    if (received != lastReceived) {
      publish(received);
    }
  }

  /** The sequence number of the last event published. */
  int seq() {
    return seq;
  }

  private void publish(long received) {
    lastReceived = received;
    bus.publish(
        Addresses.FILES_UPLOADS,
        new JsonObject()
            .put("uploadId", uploadId)
            .put("name", name)
            .put("received", received)
            .put("total", total)
            .put("seq", ++seq));
  }
}
