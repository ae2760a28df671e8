package dev.switchboard.files.watch;

import java.util.Locale;

/** What happened to an entry of a watched directory, between two quiet moments. */
enum ChangeType {
  CREATED,
  CHANGED,
  DELETED;

  /** {@code created}, {@code changed} or {@code deleted}, as clients see it. */
  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
