package dev.switchboard.supervisor.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one output stream of a process line by line on a thread of its own (never an event loop)
 * and hands the lines to a {@link LogSource} a read's worth at a time. A line longer than {@code
 * maxLineBytes} is cut once, with a marker of how many bytes went ({@link LineSplitter}), so one
 * endless line neither grows memory nor fills the log.
 *
 * <p>The channel is opened on the reader's thread: opening a FIFO waits for its writer. {@link
 * #close()} ends the reading from any thread (closing a channel wakes a thread blocked in it).
 */
public final class LogReader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LogReader.class);
  private static final int READ_SIZE = 64 * 1024;

  private final Callable<ReadableByteChannel> opener;
  private final LogSource source;
  private final String stream;
  private final int maxLineBytes;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Thread thread;
  private volatile ReadableByteChannel channel;
  private volatile boolean closed;

  public LogReader(
      String threadName,
      Callable<ReadableByteChannel> opener,
      LogSource source,
      String stream,
      int maxLineBytes) {
    this.opener = opener;
    this.source = source;
    this.stream = stream;
    this.maxLineBytes = maxLineBytes;
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  public LogReader start() {
    thread.start();
    return this;
  }

  /** Completes when the stream ended (every writer closed it) or the reader was closed. */
  public CompletableFuture<Void> done() {
    return done;
  }

  private void run() {
    try (ReadableByteChannel ch = opener.call()) {
      channel = ch;
      if (closed) {
        return;
      }
      pump(ch);
    } catch (ClosedChannelException e) {
      // closed on purpose
    } catch (Exception e) {
      if (!closed) {
        LOG.warn("reading {} of {} failed: {}", stream, source.id(), e.toString());
      }
    } finally {
      done.complete(null);
    }
  }

  private void pump(ReadableByteChannel ch) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(READ_SIZE);
    LineSplitter splitter = new LineSplitter(maxLineBytes);
    List<String> batch = new ArrayList<>();
    while (ch.read(buffer) >= 0) {
      buffer.flip();
      splitter.split(buffer, batch);
      buffer.clear();
      if (!batch.isEmpty()) {
        source.append(stream, batch);
        batch = new ArrayList<>();
      }
    }
    String rest = splitter.rest();
    if (rest != null) {
      source.append(stream, List.of(rest));
    }
  }

  @Override
  public void close() {
    closed = true;
    ReadableByteChannel ch = channel;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // closing is all we wanted
      }
    }
  }
}
