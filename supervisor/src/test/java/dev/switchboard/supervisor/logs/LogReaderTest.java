package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A line longer than the limit is stored once, cut at the limit (on a character boundary), with a
 * marker of how many bytes were cut; the cut part is counted as it passes and never held.
 */
class LogReaderTest {

  private static final int LIMIT = LogOptions.DEFAULT.maxLineBytes();

  private static LogDatabase db;

  @BeforeAll
  static void database() {
    db = new LogDatabase(2);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aLongLineOfAChildProcessIsStoredOnceWithTheCountOfWhatWasCut(@TempDir Path dir)
      throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    printed.writeBytes(("x".repeat(1024 * 1024) + "\n").getBytes(StandardCharsets.UTF_8));
    printed.writeBytes(("a".repeat(LIMIT) + "\n").getBytes(StandardCharsets.UTF_8));
    printed.writeBytes(("b".repeat(LIMIT + 1) + "\n").getBytes(StandardCharsets.UTF_8));
    // 1 + 2 * 8192 bytes: the cut falls inside the last é, which goes with the cut part
    printed.writeBytes(("c" + "é".repeat(LIMIT / 2) + "\n").getBytes(StandardCharsets.UTF_8));
    // the CR of a CRLF ending is no text that was cut
    printed.writeBytes(("d".repeat(LIMIT) + "\r\n").getBytes(StandardCharsets.UTF_8));
    printed.writeBytes("after\n".getBytes(StandardCharsets.UTF_8));
    Path output = Files.write(dir.resolve("output"), printed.toByteArray());

    String sourceId = "service:long-lines";
    LogPipeline pipeline = db.pipeline(LogOptions.DEFAULT);
    LogSource source =
        db.onLoop(() -> pipeline.open(sourceId, "test.logs.long-lines", "serviceId", "long-lines"));
    Process child = new ProcessBuilder("cat", output.toString()).start();
    try (LogReader reader =
        new LogReader(
            "test-long-lines",
            () -> Channels.newChannel(child.getInputStream()),
            source,
            LogLine.STDOUT,
            LIMIT)) {
      reader.start().done().get(10, TimeUnit.SECONDS);
    }
    assertThat(child.waitFor()).isZero();
    db.onLoop(pipeline::stop);

    List<LogLine> rows =
        db.store.query(sourceId, new LogQuery(null, null, null, null, null, 1000)).await();
    assertThat(rows)
        .extracting(row -> shape(row.line()))
        .containsExactly(
            "x×16384… [1032192 bytes cut]",
            "a×16384",
            "b×16384… [1 byte cut]",
            "cé×8191… [2 bytes cut]",
            "d×16384",
            "after");
    assertThat(rows.get(3).line().getBytes(StandardCharsets.UTF_8))
        .as("kept whole characters only")
        .hasSize(
            1 + 2 * (LIMIT / 2 - 1) + "… [2 bytes cut]".getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void theCutPartOfALineIsCountedNotHeld() throws Exception {
    long lineBytes = 256L << 20;
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] allocated = new long[2];
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) 'x');
    ReadableByteChannel endless =
        new ReadableByteChannel() {
          private long left = lineBytes;
          private boolean open = true;

          @Override
          public int read(ByteBuffer into) {
            if (left == lineBytes) {
              allocated[0] = threads.getCurrentThreadAllocatedBytes();
            }
            if (left < 0) {
              allocated[1] = threads.getCurrentThreadAllocatedBytes();
              return -1;
            }
            if (left == 0) {
              into.put((byte) '\n');
              left = -1;
              return 1;
            }
            int count = (int) Math.min(Math.min(left, into.remaining()), chunk.length);
            into.put(chunk, 0, count);
            left -= count;
            return count;
          }

          @Override
          public boolean isOpen() {
            return open;
          }

          @Override
          public void close() {
            open = false;
          }
        };
    LogSource source = new LogSource("service:endless", 0, 100, 10, Clock.systemUTC());
    try (LogReader reader =
        new LogReader("test-endless", () -> endless, source, LogLine.STDOUT, LIMIT)) {
      reader.start().done().get(60, TimeUnit.SECONDS);
    }

    assertThat(allocated[1] - allocated[0])
        .as("bytes allocated while reading a 256 MiB line")
        .isLessThan(4L << 20);
    assertThat(source.drain())
        .extracting(line -> shape(line.line()))
        .containsExactly("x×16384… [268419072 bytes cut]");
  }

  /**
   * The text with every run of more than three equal characters written as {@code c×count}, to keep
   * failures readable.
   */
  private static String shape(String text) {
    StringBuilder shape = new StringBuilder();
    int index = 0;
    while (index < text.length()) {
      char c = text.charAt(index);
      int end = index;
      while (end < text.length() && text.charAt(end) == c) {
        end++;
      }
      shape.append(end - index > 3 ? c + "×" + (end - index) : text.substring(index, end));
      index = end;
    }
    return shape.toString();
  }
}
