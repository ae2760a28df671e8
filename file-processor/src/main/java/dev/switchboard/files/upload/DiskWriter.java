package dev.switchboard.files.upload;

import com.sun.nio.file.ExtendedOpenOption;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes one upload's bytes to a file: the network's chunks are copied into blocks of 4 MiB outside
 * the heap, and each full block is written on a worker thread with one {@code write} call at its
 * position. At most {@link #BLOCKS} blocks are on their way at once (16 MiB); beyond that {@link
 * #full()} says so and the caller pauses its source until {@link #drainHandler(Handler) drained}.
 *
 * <p>Why not Vert.x's {@code AsyncFile}: it keeps each chunk (a heap copy of the network's bytes)
 * queued until its write is done, and the JDK copies it again into a temporary direct buffer on the
 * worker thread. With a small write queue the socket is paused every few chunks and the disk waits
 * on round trips; with a large one the queued chunks outlive the small young generation and are
 * promoted, which costs full collections. Here a chunk is garbage as soon as it is copied, the heap
 * stays flat, and the disk sees one large write per block.
 *
 * <p>Whole blocks go past the page cache ({@code O_DIRECT}, where the file system has it; the
 * blocks are aligned in memory and on file for that): on a two-core machine the kernel's copy of
 * every byte into the page cache cost 2.2–2.7 s of CPU per GiB on the worker threads, against
 * 0.2–0.3 s this way, and the upload competes for the same cores. The last piece of a file (not a
 * whole block) and the first piece of a file appended to from the middle of a block go through the
 * page cache. The price: a write waits for the device, so an upload runs no faster than the disk
 * takes it, where the page cache would have absorbed a burst.
 *
 * <p>Why 4 MiB blocks and a hash lane (bench/README.md, "Upload: fourth round"): every block costs
 * hops between the event loop and the worker threads (a write handed over, its end handed back, the
 * request paused and resumed when the writer is full), and on two busy cores each hop waits for a
 * thread to be scheduled. With 1 MiB blocks, four in flight, and each block's hashing started by
 * the event loop once the block before it was hashed, the hand-offs, not the CPU, bounded an
 * upload.
 *
 * <p>When {@link #hashInto(MessageDigest) asked}, each block is also fed to a digest in file order
 * by the hash lane: one task on the worker pool that hashes the queued blocks one after the other,
 * with no trip through the event loop between them, and ends when the queue is empty (the next
 * block starts it again). The writes of later blocks run meanwhile on other worker threads. A block
 * is free again once it is both written and hashed, so a slow digest holds blocks back like a slow
 * disk does, and {@link #full()} covers both.
 *
 * <p>Used from one event-loop context; the blocks are written and hashed on Vert.x's worker pool.
 */
final class DiskWriter {

  /** The size of one block, and so of each write to the file. */
  static final int BLOCK = 4 << 20;

  /** Blocks being written at once, past which the writer is full. */
  static final int BLOCKS = 4;

  /**
   * Blocks on their way across every upload of the process, past which a writer that has one on its
   * way is full too: the uploads' direct memory stays near this many blocks (128 MiB) however many
   * run at once ({@link UploadOptions#MAX_CONCURRENT} uploads of {@link #BLOCKS} each would be 512
   * MiB, more than a small machine's JVM allows by default), while every upload can always have one
   * block on its way.
   */
  static final int BLOCKS_IN_ALL = 32;

  /** The count of blocks on their way that the writers of this process share. */
  static final Budget SHARED = new Budget(BLOCKS_IN_ALL);

  /** The alignment of the blocks in memory, enough for direct I/O on any usual file system. */
  static final int ALIGNMENT = 4096;

  /** Blocks kept for the next upload, so that small uploads do not churn direct memory. */
  private static final int SPARE_MAX = 4;

  private static final ConcurrentLinkedQueue<ByteBuffer> SPARE = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger SPARE_COUNT = new AtomicInteger();

  private final Vertx vertx;
  // the event loop's context, where every field but the hash lane's is used
  private final Context context;
  private final FileChannel channel;
  // the same file opened for direct I/O (past the page cache), or null where that is not possible
  private final FileChannel direct;
  private final int alignment;
  private long position;
  private int directBlocks;
  private ByteBuffer filling;
  private int writing;
  private final Budget budget;
  private Throwable failure;
  private Handler<Void> drainHandler;
  private Handler<Throwable> exceptionHandler;
  private Promise<Void> closed;
  private MessageDigest digest;
  // blocks to hash, in file order, and whether a worker thread is hashing them (the hash lane)
  private final ConcurrentLinkedQueue<Block> hashQueue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean hashLane = new AtomicBoolean();

  private DiskWriter(
      Vertx vertx, Context context, Budget budget, FileChannel channel, Path file, long position) {
    this.vertx = vertx;
    this.budget = budget;
    this.context = context;
    this.channel = channel;
    this.position = position;
    FileChannel opened = null;
    int blockSize = 0;
    try {
      blockSize = Math.toIntExact(Files.getFileStore(file).getBlockSize());
      if (blockSize > 0 && BLOCK % blockSize == 0 && ALIGNMENT % blockSize == 0) {
        opened = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
      }
    } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
      // tmpfs and some others have no direct I/O: every block goes through the page cache
      opened = null;
    }
    this.direct = opened;
    this.alignment = blockSize;
  }

  /** A new file at {@code file}; fails when it exists. */
  static Future<DiskWriter> create(Vertx vertx, Path file) {
    return create(vertx, file, SHARED);
  }

  /** {@link #create(Vertx, Path)} with a budget of blocks of its own (tests). */
  static Future<DiskWriter> create(Vertx vertx, Path file, Budget budget) {
    Context context = vertx.getOrCreateContext();
    return vertx.executeBlocking(
        () ->
            new DiskWriter(
                vertx,
                context,
                budget,
                FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                file,
                0));
  }

  /** The existing file at {@code file}, written from its end. */
  static Future<DiskWriter> append(Vertx vertx, Path file) {
    Context context = vertx.getOrCreateContext();
    return vertx.executeBlocking(
        () -> {
          FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
          return new DiskWriter(vertx, context, SHARED, channel, file, channel.size());
        });
  }

  /** Whether whole blocks are written past the page cache. */
  boolean direct() {
    return direct != null;
  }

  /** How many blocks were written past the page cache so far. */
  int directBlocks() {
    return directBlocks;
  }

  void exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
  }

  /**
   * Called once, the next time one of its blocks is written and it is no longer {@link #full()}.
   */
  void drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
  }

  /**
   * Feeds every byte written from now on to {@code digest}, in order, on a worker thread; the
   * digest holds them all once {@link #close()} completes. Called before the first {@link
   * #write(Buffer)}.
   */
  void hashInto(MessageDigest digest) {
    this.digest = digest;
  }

  /** Whether the caller should stop writing until the drain handler is called. */
  boolean full() {
    return writing >= BLOCKS || (writing > 0 && budget.spent());
  }

  /** Copies {@code chunk} into blocks; the chunk is free to go as soon as this returns. */
  void write(Buffer chunk) {
    if (failure != null || closed != null) {
      return;
    }
    ByteBuffer bytes = ((BufferInternal) chunk).getByteBuf().nioBuffer();
    while (bytes.hasRemaining()) {
      if (filling == null) {
        filling = take();
        // a file appended to from the middle of a block: its first block ends where one would,
        // so that every later block starts at a multiple of the block size
        filling.limit(BLOCK - (int) (position % BLOCK));
      }
      int count = Math.min(bytes.remaining(), filling.remaining());
      filling.put(bytes.slice(bytes.position(), count));
      bytes.position(bytes.position() + count);
      if (!filling.hasRemaining()) {
        flush();
      }
    }
  }

  /**
   * Writes what is left, waits for every write and closes the file; fails with the first write's
   * failure, if any.
   */
  Future<Void> close() {
    if (closed != null) {
      return closed.future();
    }
    closed = Promise.promise();
    if (failure == null) {
      flush();
    }
    closeWhenWritten();
    return closed.future();
  }

  private void flush() {
    if (filling == null || filling.position() == 0) {
      return;
    }
    ByteBuffer bytes = filling.flip();
    filling = null;
    long at = position;
    position += bytes.remaining();
    writing++;
    budget.taken.incrementAndGet();
    Block block = new Block(bytes, digest == null);
    // a whole aligned block past the page cache; the rest (a file's last piece) through it
    FileChannel target =
        direct != null && at % alignment == 0 && bytes.remaining() % alignment == 0
            ? direct
            : channel;
    if (target == direct) {
      directBlocks++;
    }
    ByteBuffer toWrite = bytes.duplicate();
    vertx
        .executeBlocking(
            () -> {
              long offset = at;
              while (toWrite.hasRemaining()) {
                offset += target.write(toWrite, offset);
              }
              return null;
            },
            false)
        .onComplete(
            written -> {
              block.written = true;
              if (written.failed()) {
                failed(written.cause());
              }
              settle(block);
            });
    if (digest != null) {
      hashQueue.add(block);
      if (hashLane.compareAndSet(false, true)) {
        vertx
            .executeBlocking(
                () -> {
                  hashQueued();
                  return null;
                },
                false)
            .onFailure(this::laneFailed);
      }
    }
  }

  /**
   * The hash lane, on one worker thread at a time: feeds the digest every queued block in file
   * order, one after the other with no hop through the event loop between them, and tells the event
   * loop of each block hashed. Runs until the queue is empty.
   */
  private void hashQueued() {
    while (true) {
      Block next;
      while ((next = hashQueue.poll()) != null) {
        Block block = next;
        Throwable trouble = null;
        try {
          digest.update(block.bytes.duplicate());
        } catch (RuntimeException e) {
          trouble = e;
        }
        Throwable failed = trouble;
        context.runOnContext(
            v -> {
              block.hashed = true;
              if (failed != null) {
                failed(failed);
              }
              settle(block);
            });
      }
      hashLane.set(false);
      // a block queued after the poll above, whose flush saw the lane still running
      if (hashQueue.isEmpty() || !hashLane.compareAndSet(false, true)) {
        return;
      }
    }
  }

  /**
   * The lane could not run (the worker pool is closing): the blocks queued will never be hashed.
   */
  private void laneFailed(Throwable cause) {
    failed(cause);
    Block block;
    while ((block = hashQueue.poll()) != null) {
      block.hashed = true;
      settle(block);
    }
    hashLane.set(false);
  }

  private void failed(Throwable cause) {
    if (failure == null) {
      failure = cause;
      if (exceptionHandler != null) {
        exceptionHandler.handle(failure);
      }
    }
  }

  /** On the event loop: a block that is both written and hashed is free for the next bytes. */
  private void settle(Block block) {
    if (!block.written || !block.hashed) {
      return;
    }
    writing--;
    budget.taken.decrementAndGet();
    give(block.bytes);
    if (closed != null) {
      closeWhenWritten();
    } else if (drainHandler != null && !full()) {
      Handler<Void> drained = drainHandler;
      drainHandler = null;
      drained.handle(null);
    }
  }

  /** A count of blocks on their way, shared by writers, and the most it should reach. */
  static final class Budget {
    private final int most;
    private final AtomicInteger taken = new AtomicInteger();

    Budget(int most) {
      this.most = most;
    }

    boolean spent() {
      return taken.get() >= most;
    }

    int taken() {
      return taken.get();
    }
  }

  /** One block on its way: its bytes, and whether they are written and hashed yet. */
  private static final class Block {
    final ByteBuffer bytes;
    boolean written;
    boolean hashed;

    Block(ByteBuffer bytes, boolean hashed) {
      this.bytes = bytes;
      this.hashed = hashed;
    }
  }

  private void closeWhenWritten() {
    if (writing > 0) {
      return;
    }
    if (filling != null) {
      give(filling);
      filling = null;
    }
    vertx
        .executeBlocking(
            () -> {
              try (FileChannel closing = channel) {
                if (direct != null) {
                  direct.close();
                }
              }
              return null;
            },
            false)
        .onComplete(
            done -> {
              Throwable cause = failure != null ? failure : done.cause();
              if (cause == null) {
                closed.tryComplete();
              } else {
                closed.tryFail(cause instanceof IOException ? cause : new IOException(cause));
              }
            });
  }

  private ByteBuffer take() {
    ByteBuffer block = SPARE.poll();
    if (block == null) {
      // aligned for direct I/O, which reads the block from where it lies in memory
      block = ByteBuffer.allocateDirect(BLOCK + ALIGNMENT).alignedSlice(ALIGNMENT).slice(0, BLOCK);
    } else {
      SPARE_COUNT.decrementAndGet();
    }
    return block.clear();
  }

  private void give(ByteBuffer block) {
    if (SPARE_COUNT.incrementAndGet() <= SPARE_MAX) {
      SPARE.offer(block);
    } else {
      SPARE_COUNT.decrementAndGet();
    }
  }
}
