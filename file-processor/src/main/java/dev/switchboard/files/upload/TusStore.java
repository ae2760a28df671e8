package dev.switchboard.files.upload;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Resumable uploads on disk, so that a restart keeps them: {@code <id>.bin} holds the bytes
 * received so far and {@code <id>.json} the rest ({@link TusUpload}). The sidecar is written first
 * and removed first, so bytes without a sidecar never outlive a sweep.
 */
final class TusStore {

  /** What a sweep freed. */
  record Swept(int uploads, long bytes) {}

  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
  private static final String SIDECAR = ".json";
  private static final String BYTES = ".bin";

  /** The running SHA-256 of an upload's first {@code hashed} bytes. */
  private record Hashing(MessageDigest digest, long hashed) {}

  private final FileSystem fs;
  private final Path directory;
  private final Map<String, Hashing> hashing = new ConcurrentHashMap<>();

  TusStore(FileSystem fs, Path directory) {
    this.fs = fs;
    this.directory = directory;
  }

  Future<Void> init() {
    return fs.mkdirs(directory.toString());
  }

  /**
   * Whether {@code id} can name an upload: anything else (a path, {@code ..}) never reaches disk.
   */
  static boolean isId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  Path bytes(String id) {
    return directory.resolve(id + BYTES);
  }

  private Path sidecar(String id) {
    return directory.resolve(id + SIDECAR);
  }

  Future<TusUpload> create(TusUpload upload) {
    return save(upload)
        .compose(
            saved ->
                fs.open(
                    bytes(upload.id()).toString(),
                    new OpenOptions().setCreateNew(true).setWrite(true)))
        .compose(file -> file.close())
        .map(upload);
  }

  /** How many uploads are held (finished ones are handed over and no longer count). */
  Future<Integer> count() {
    return fs.readDir(directory.toString(), ".*\\" + SIDECAR).map(List::size);
  }

  /** The upload, or a 404 when there is none (never created, finished, terminated or expired). */
  Future<TusUpload> find(String id) {
    if (!isId(id)) {
      return Future.failedFuture(notFound(id));
    }
    return fs.readFile(sidecar(id).toString())
        .map(json -> TusUpload.fromJson(json.toJsonObject()))
        .recover(missing -> Future.failedFuture(notFound(id)));
  }

  /** The bytes received so far. */
  Future<Long> offset(String id) {
    return fs.props(bytes(id).toString()).map(props -> props.size());
  }

  /** The first {@code count} bytes, for the type check of a resumed upload. */
  Future<byte[]> head(String id, int count) {
    if (count == 0) {
      return Future.succeededFuture(new byte[0]);
    }
    return fs.open(bytes(id).toString(), new OpenOptions().setRead(true).setWrite(false))
        .compose(
            file ->
                file.read(Buffer.buffer(count), 0, 0, count)
                    .eventually(() -> file.close())
                    .map(Buffer::getBytes));
  }

  /**
   * The SHA-256 of the upload's first {@code offset} bytes, to be fed the bytes that follow them
   * and given back with {@link #hashed}: a new one at offset 0, null when it is not known (this
   * process did not receive those bytes, or a write of them failed), and then the upload is hashed
   * whole from disk once complete. Taken, it is no longer held: a request that fails without giving
   * it back leaves none behind.
   */
  MessageDigest takeHash(String id, long offset) {
    Hashing held = hashing.remove(id);
    if (held != null && held.hashed() == offset) {
      return held.digest();
    }
    return offset == 0 ? Transfer.newSha256() : null;
  }

  /** Keeps {@code digest}, which has been fed the upload's first {@code hashed} bytes. */
  void hashed(String id, MessageDigest digest, long hashed) {
    hashing.put(id, new Hashing(digest, hashed));
  }

  /** Writes the sidecar whole, then moves it in place, so a crash never leaves half of one. */
  Future<Void> save(TusUpload upload) {
    String temporary = directory.resolve(upload.id() + SIDECAR + ".tmp").toString();
    return fs.writeFile(temporary, upload.toJson().toBuffer())
        .compose(
            written ->
                fs.move(
                    temporary,
                    sidecar(upload.id()).toString(),
                    new CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
  }

  /**
   * Forgets the upload and moves its bytes to {@code target}, out of this store's reach: they are
   * about to be handed to the intake.
   */
  Future<Void> release(String id, Path target) {
    hashing.remove(id);
    return fs.delete(sidecar(id).toString())
        .compose(
            deleted ->
                fs.move(
                    bytes(id).toString(),
                    target.toString(),
                    new CopyOptions().setAtomicMove(true)));
  }

  /** Deletes the upload and its bytes; answers how many bytes were freed. */
  Future<Long> delete(String id) {
    hashing.remove(id);
    return fs.delete(sidecar(id).toString())
        .recover(missing -> Future.succeededFuture())
        .compose(released -> offset(id))
        .compose(size -> fs.delete(bytes(id).toString()).map(size))
        .recover(missing -> Future.succeededFuture(0L));
  }

  /**
   * Deletes every upload whose expiry has passed, except those in {@code busy} (receiving bytes
   * now), and bytes whose sidecar is gone.
   */
  Future<Swept> sweep(Instant now, Set<String> busy) {
    return fs.readDir(directory.toString())
        .compose(
            entries -> {
              Set<String> names =
                  entries.stream()
                      .map(entry -> Path.of(entry).getFileName().toString())
                      .collect(Collectors.toSet());
              List<Future<Long>> freed = new ArrayList<>();
              for (String fileName : names) {
                String id = fileName.substring(0, Math.max(0, fileName.indexOf('.')));
                if (!isId(id) || busy.contains(id)) {
                  continue;
                }
                if (fileName.endsWith(SIDECAR)) {
                  freed.add(
                      find(id)
                          .compose(
                              upload ->
                                  upload.expires().isBefore(now)
                                      ? delete(id)
                                      : Future.succeededFuture(-1L))
                          .otherwise(-1L));
                } else if (fileName.endsWith(BYTES) && !names.contains(id + SIDECAR)) {
                  freed.add(
                      offset(id)
                          .compose(size -> fs.delete(bytes(id).toString()).map(size))
                          .otherwise(-1L));
                }
              }
              return Future.all(freed)
                  .map(
                      all -> {
                        int uploads = 0;
                        long bytes = 0;
                        for (Future<Long> one : freed) {
                          if (one.result() >= 0) {
                            uploads++;
                            bytes += one.result();
                          }
                        }
                        return new Swept(uploads, bytes);
                      });
            });
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("no upload " + id);
  }
}
