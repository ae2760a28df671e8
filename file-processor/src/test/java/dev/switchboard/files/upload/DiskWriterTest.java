package dev.switchboard.files.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload's file writer: the bytes in order across its blocks, and when it says it is full. */
class DiskWriterTest {

  @TempDir Path dir;
  // one worker thread, so that a test can hold the writes back by keeping it busy
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(1));

  @AfterEach
  void close() throws Exception {
    UploadServer.await(vertx.close());
  }

  @Test
  void chunksOfAnySizeLandInOrderAcrossBlocks() throws Exception {
    Path file = dir.resolve("out.bin");
    byte[] bytes = new byte[3 * DiskWriter.BLOCK + 12_345];
    new Random(7).nextBytes(bytes);

    onContext(
        () ->
            DiskWriter.create(vertx, file)
                .compose(
                    writer -> {
                      // 1 byte, then odd sizes, one of them larger than a block
                      int[] sizes = {1, 65_536, 7, DiskWriter.BLOCK + 3, 100_000};
                      int at = 0;
                      for (int i = 0; at < bytes.length; i++) {
                        int size = Math.min(sizes[i % sizes.length], bytes.length - at);
                        writer.write(Buffer.buffer().appendBytes(bytes, at, size));
                        at += size;
                      }
                      return writer.close();
                    }));

    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void appendWritesAfterWhatTheFileHolds() throws Exception {
    Path file = dir.resolve("held.bin");
    Files.write(file, new byte[] {1, 2, 3});

    onContext(
        () ->
            DiskWriter.append(vertx, file)
                .compose(
                    writer -> {
                      writer.write(Buffer.buffer(new byte[] {4, 5}));
                      return writer.close();
                    }));

    assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void wholeBlocksGoPastThePageCacheAndAnAppendFromTheMiddleOfABlockLinesThemUp() throws Exception {
    Path file = dir.resolve("resumed.bin");
    byte[] held = new byte[DiskWriter.BLOCK / 2 + 3];
    byte[] more = new byte[3 * DiskWriter.BLOCK + DiskWriter.BLOCK / 2 + 5];
    Random random = new Random(11);
    random.nextBytes(held);
    random.nextBytes(more);
    Files.write(file, held);
    AtomicBoolean direct = new AtomicBoolean();
    AtomicInteger directBlocks = new AtomicInteger();

    onContext(
        () ->
            DiskWriter.append(vertx, file)
                .compose(
                    writer -> {
                      direct.set(writer.direct());
                      for (int at = 0; at < more.length; at += 65_536) {
                        writer.write(
                            Buffer.buffer()
                                .appendBytes(more, at, Math.min(65_536, more.length - at)));
                      }
                      return writer.close().onSuccess(v -> directBlocks.set(writer.directBlocks()));
                    }));

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(held);
    expected.writeBytes(more);
    assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    // where the file system has direct I/O (ext4, xfs; not tmpfs) the writer uses it
    boolean directIo = directIo(dir);
    assertThat(direct.get()).isEqualTo(directIo);
    // the first block is filled up to a block boundary, the three after it are whole and aligned,
    // the last piece (not a multiple of the block size) goes through the page cache
    assertThat(directBlocks.get()).isEqualTo(directIo ? 3 : 0);
  }

  private static boolean directIo(Path dir) {
    Path probe = dir.resolve("probe");
    try (var channel =
        java.nio.channels.FileChannel.open(
            probe,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE,
            com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void createRefusesAFileThatExists() throws Exception {
    Path file = dir.resolve("taken.bin");
    Files.write(file, new byte[] {9});

    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    vertx.runOnContext(
        v -> DiskWriter.create(vertx, file).onComplete(done -> failure.complete(done.cause())));

    assertThat(failure.get(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(Files.readAllBytes(file)).containsExactly(9);
  }

  @Test
  void itIsFullWithFourBlocksBeingWrittenAndSaysWhenItDrained() throws Exception {
    Path file = dir.resolve("full.bin");
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    AtomicBoolean fullBefore = new AtomicBoolean();
    AtomicBoolean fullAfter = new AtomicBoolean();
    AtomicInteger drains = new AtomicInteger();
    CountDownLatch disk = new CountDownLatch(1);

    onContext(
        () ->
            DiskWriter.create(vertx, file)
                .compose(
                    writer -> {
                      // the only worker thread waits, and with it every write
                      vertx.executeBlocking(() -> disk.await(30, TimeUnit.SECONDS), false);
                      Promise<Void> drained = Promise.promise();
                      byte[] block = new byte[DiskWriter.BLOCK];
                      for (int i = 0; i < DiskWriter.BLOCKS - 1; i++) {
                        block[0] = (byte) i;
                        writer.write(Buffer.buffer(block.clone()));
                        sent.writeBytes(block);
                      }
                      fullBefore.set(writer.full());
                      block[0] = 42;
                      writer.write(Buffer.buffer(block.clone()));
                      sent.writeBytes(block);
                      fullAfter.set(writer.full());
                      writer.drainHandler(
                          v -> {
                            drains.incrementAndGet();
                            drained.tryComplete();
                          });
                      disk.countDown();
                      return drained.future().compose(v -> writer.close());
                    }));

    assertThat(fullBefore).isFalse();
    assertThat(fullAfter).isTrue();
    assertThat(drains).hasValue(1);
    assertThat(Files.readAllBytes(file)).isEqualTo(sent.toByteArray());
  }

  @Test
  void writersAreFullOnceTheBlocksOfAllTogetherReachTheBudgetButAnIdleOneMayStillStart()
      throws Exception {
    DiskWriter.Budget budget = new DiskWriter.Budget(2);
    Path[] files = {dir.resolve("a.bin"), dir.resolve("b.bin"), dir.resolve("c.bin")};
    List<Boolean> full = new CopyOnWriteArrayList<>();
    AtomicInteger drains = new AtomicInteger();
    CountDownLatch disk = new CountDownLatch(1);
    byte[] block = new byte[DiskWriter.BLOCK];
    new Random(7).nextBytes(block);

    onContext(
        () ->
            Future.all(
                    DiskWriter.create(vertx, files[0], budget),
                    DiskWriter.create(vertx, files[1], budget),
                    DiskWriter.create(vertx, files[2], budget))
                .compose(
                    opened -> {
                      List<DiskWriter> writers = opened.list();
                      // the only worker thread waits, and with it every write
                      vertx.executeBlocking(() -> disk.await(30, TimeUnit.SECONDS), false);
                      writers.get(0).write(Buffer.buffer(block));
                      full.add(writers.get(0).full()); // one block of two: not full
                      writers.get(1).write(Buffer.buffer(block));
                      // two of two: both writers with a block on its way are full
                      full.add(writers.get(0).full());
                      full.add(writers.get(1).full());
                      // one with none on its way may still start its first
                      full.add(writers.get(2).full());
                      Promise<Void> drained = Promise.promise();
                      writers
                          .get(1)
                          .drainHandler(
                              v -> {
                                drains.incrementAndGet();
                                drained.tryComplete();
                              });
                      disk.countDown();
                      return drained
                          .future()
                          .compose(
                              v ->
                                  Future.all(
                                      writers.get(0).close(),
                                      writers.get(1).close(),
                                      writers.get(2).close()));
                    }));

    assertThat(full).containsExactly(false, true, true, false);
    assertThat(drains).hasValue(1);
    assertThat(budget.taken()).isZero();
    assertThat(Files.readAllBytes(files[0])).isEqualTo(block);
    assertThat(Files.readAllBytes(files[1])).isEqualTo(block);
    assertThat(Files.size(files[2])).isZero();
  }

  @Test
  void hashesEveryByteInFileOrderOnAWorkerThreadNotTheEventLoop() throws Exception {
    Path file = dir.resolve("hashed.bin");
    byte[] bytes = new byte[5 * DiskWriter.BLOCK + 777];
    new Random(11).nextBytes(bytes);
    Set<String> hashingThreads = ConcurrentHashMap.newKeySet();
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    MessageDigest recording =
        watched(sha256, fed -> hashingThreads.add(Thread.currentThread().getName()));

    onContext(
        () ->
            DiskWriter.create(vertx, file)
                .compose(
                    writer -> {
                      writer.hashInto(recording);
                      for (int at = 0; at < bytes.length; at += 50_000) {
                        writer.write(
                            Buffer.buffer()
                                .appendBytes(bytes, at, Math.min(50_000, bytes.length - at)));
                      }
                      return writer.close();
                    }));

    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    assertThat(Transfer.hex(recording)).isEqualTo(Bodies.sha256(bytes));
    assertThat(hashingThreads)
        .isNotEmpty()
        .allSatisfy(name -> assertThat(name).doesNotContain("eventloop"));
  }

  @Test
  void theHashLaneTakesBlockAfterBlockWithoutWaitingForTheEventLoop() throws Exception {
    Path file = dir.resolve("lane.bin");
    int blocks = DiskWriter.BLOCKS;
    byte[] bytes = new byte[blocks * DiskWriter.BLOCK];
    new Random(5).nextBytes(bytes);
    AtomicLong hashedBytes = new AtomicLong();
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    MessageDigest counting = watched(sha256, hashedBytes::addAndGet);
    AtomicLong hashedWhileBusy = new AtomicLong();

    onContext(
        () ->
            DiskWriter.create(vertx, file)
                .compose(
                    writer -> {
                      writer.hashInto(counting);
                      writer.write(Buffer.buffer(bytes));
                      // the event loop stays busy: a block's hashing that waited for it to start
                      // the next block's would stop after the first block
                      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                      while (hashedBytes.get() < bytes.length && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                      }
                      hashedWhileBusy.set(hashedBytes.get());
                      return writer.close();
                    }));

    assertThat(hashedWhileBusy).hasValue(bytes.length);
    assertThat(Transfer.hex(sha256)).isEqualTo(Bodies.sha256(bytes));
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void aWriteThatFailsWhileBlocksAreInFlightFailsTheWriterOnceAndFreesEveryBlock()
      throws Exception {
    // a device that is always full: every write fails as on a full disk (ENOSPC)
    Path full = Path.of("/dev/full");
    assumeTrue(Files.isWritable(full), "/dev/full is needed");
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    AtomicBoolean fullAfter = new AtomicBoolean(true);
    CompletableFuture<Throwable> closed = new CompletableFuture<>();
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    byte[] block = new byte[DiskWriter.BLOCK];

    vertx.runOnContext(
        v ->
            DiskWriter.append(vertx, full)
                .onSuccess(
                    writer -> {
                      writer.hashInto(sha256);
                      writer.exceptionHandler(reported::add);
                      // as many blocks as the writer takes before it is full: all in flight
                      for (int i = 0; i < DiskWriter.BLOCKS; i++) {
                        writer.write(Buffer.buffer(block));
                      }
                      writer
                          .close()
                          .onComplete(
                              done -> {
                                fullAfter.set(writer.full());
                                closed.complete(done.cause());
                              });
                    })
                .onFailure(closed::completeExceptionally));

    Throwable failure = closed.get(30, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(IOException.class);
    assertThat(reported).hasSize(1);
    // every block came back: none is left being written or hashed
    assertThat(fullAfter).isFalse();
  }

  /** {@code sha256} behind a digest that tells {@code fed} of each update, on its thread. */
  private static MessageDigest watched(MessageDigest sha256, java.util.function.LongConsumer fed) {
    return new MessageDigest("SHA-256") {
      @Override
      protected void engineUpdate(byte input) {
        fed.accept(1);
        sha256.update(input);
      }

      @Override
      protected void engineUpdate(byte[] input, int offset, int len) {
        fed.accept(len);
        sha256.update(input, offset, len);
      }

      @Override
      protected void engineUpdate(java.nio.ByteBuffer input) {
        fed.accept(input.remaining());
        sha256.update(input);
      }

      @Override
      protected byte[] engineDigest() {
        return sha256.digest();
      }

      @Override
      protected void engineReset() {
        sha256.reset();
      }
    };
  }

  /** Runs {@code work} on a Vert.x context, as the upload routes do, and waits for its end. */
  private void onContext(Supplier<Future<?>> work) throws Exception {
    CompletableFuture<Object> done = new CompletableFuture<>();
    vertx.runOnContext(
        v ->
            work.get()
                .onComplete(
                    result -> {
                      if (result.failed()) {
                        done.completeExceptionally(result.cause());
                      } else {
                        done.complete(result.result());
                      }
                    }));
    done.get(30, TimeUnit.SECONDS);
  }
}
