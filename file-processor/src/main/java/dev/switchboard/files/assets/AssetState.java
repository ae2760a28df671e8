package dev.switchboard.files.assets;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Where an asset is on its way: {@code uploaded} (queued) → {@code processing} → {@code processed}
 * or {@code failed} → {@code confirmed} or {@code rejected}. Uploads still in flight are the upload
 * layer's ({@code upload:progress}); an asset exists from the moment its last byte is on disk.
 */
public enum AssetState {
  UPLOADED,
  PROCESSING,
  PROCESSED,
  FAILED,
  CONFIRMED,
  REJECTED;

  /** States a confirmation may start from. */
  static final Set<AssetState> CONFIRMABLE = Set.of(PROCESSED);

  /** States a rejection may start from: anything not being worked on or already decided. */
  static final Set<AssetState> REJECTABLE = Set.of(UPLOADED, PROCESSED, FAILED);

  /** The name in the database, the API and events. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<AssetState> fromWire(String text) {
    return Arrays.stream(values()).filter(state -> state.wire().equals(text)).findFirst();
  }
}
