package dev.switchboard.files.assets;

import dev.switchboard.common.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;

/**
 * Where the bytes of assets live: {@code DATA_DIR/files/<id>} from upload to decision, thumbnails
 * in {@code DATA_DIR/files/thumbnails/<id>/}, and confirmed assets in the library under a name made
 * from the uploader's, which can never leave the library. Blocking: call off the event loop.
 */
public final class Storage {

  private static final String AREA = "files";
  private static final int LONGEST_NAME = 200;

  private final Path dataDir;
  private final Path library;

  public Storage(Path dataDir, Path library) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.library = library.toAbsolutePath().normalize();
  }

  public Path library() {
    return library;
  }

  /** Creates the directories; fails the start when they cannot be made. */
  public void prepare() throws IOException {
    Files.createDirectories(dataDir.resolve(AREA).resolve("thumbnails"));
    Files.createDirectories(library);
  }

  /**
   * Moves a finished upload into the asset area; answers where it is, relative to the data
   * directory (the row's {@code stored_at}).
   */
  public String take(Path upload, UUID id) throws IOException {
    String relative = AREA + "/" + id;
    move(upload, dataDir.resolve(relative));
    return relative;
  }

  /** The bytes of an asset: in the data directory while undecided, else in the library. */
  public Optional<Path> bytes(String storedAt, String libraryPath) {
    if (storedAt != null) {
      return Optional.of(dataDir.resolve(storedAt));
    }
    if (libraryPath != null) {
      return Optional.of(library.resolve(libraryPath));
    }
    return Optional.empty();
  }

  public Path thumbnails(UUID id) {
    return dataDir.resolve(AREA).resolve("thumbnails").resolve(id.toString());
  }

  /**
   * Moves an asset's bytes into the library under its uploader's name made safe (a second file of
   * that name gets {@code name (2).ext}); answers the path relative to the library.
   */
  public String confirm(String storedAt, String name) throws IOException {
    Path source = dataDir.resolve(storedAt);
    String safe = safeName(name);
    for (int copy = 1; ; copy++) {
      Path target = library.resolve(copy == 1 ? safe : numbered(safe, copy)).normalize();
      if (!target.getParent().equals(library)) {
        throw new IllegalStateException("a library name left the library: " + target);
      }
      try {
        Files.createFile(target);
      } catch (FileAlreadyExistsException taken) {
        continue;
      }
      move(source, target);
      return library.relativize(target).toString();
    }
  }

  /** Undoes {@link #confirm}: the bytes go back from the library to the asset area. */
  public void unconfirm(String libraryPath, String storedAt) throws IOException {
    move(library.resolve(libraryPath), dataDir.resolve(storedAt));
  }

  /** Deletes an asset's bytes and thumbnails, whatever is left of them. */
  public void delete(String storedAt, String libraryPath, UUID id) {
    bytes(storedAt, libraryPath).ifPresent(Storage::deleteIfExists);
    deleteTree(thumbnails(id));
  }

  /**
   * A file name that stays in the directory it is put in: the last path segment only, without
   * control characters, separators or leading dots, at most {@value #LONGEST_NAME} characters.
   */
  static String safeName(String name) {
    String last = name == null ? "" : name.replace('\\', '/');
    last = last.substring(last.lastIndexOf('/') + 1);
    StringBuilder safe = new StringBuilder();
    last.codePoints()
        .filter(c -> !Character.isISOControl(c) && c != ':' && c != '/')
        .forEach(safe::appendCodePoint);
    String cleaned = safe.toString().strip().replaceFirst("^\\.+", "");
    if (cleaned.isEmpty()) {
      cleaned = "unnamed";
    }
    if (cleaned.length() > LONGEST_NAME) {
      int dot = cleaned.lastIndexOf('.');
      String extension = dot > 0 && cleaned.length() - dot <= 16 ? cleaned.substring(dot) : "";
      cleaned = cleaned.substring(0, LONGEST_NAME - extension.length()) + extension;
    }
    return cleaned;
  }

  private static String numbered(String name, int copy) {
    int dot = name.lastIndexOf('.');
    return dot > 0
        ? name.substring(0, dot) + " (" + copy + ")" + name.substring(dot)
        : name + " (" + copy + ")";
  }

  private static void move(Path source, Path target) throws IOException {
    try {
      Files.move(
          source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException otherDisk) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void deleteIfExists(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }

  private static void deleteTree(Path directory) {
    try {
      Trees.delete(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + directory, e);
    }
  }
}
