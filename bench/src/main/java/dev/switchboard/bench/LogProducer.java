package dev.switchboard.bench;

import io.vertx.core.json.JsonObject;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * A chatty process for {@link LogBench}: prints {@code rate} lines a second of {@code bytes} bytes
 * each (newline included) on stdout for {@code seconds}, then writes what it did to a JSON file.
 *
 * <pre>
 * java -cp switchboard-bench.jar dev.switchboard.bench.LogProducer RATE SECONDS BYTES REPORT.json
 * </pre>
 *
 * <p>It keeps to a schedule rather than a sleep per line: about every millisecond it writes every
 * line that is due by then ({@link #due}) and flushes, so the rate holds at 100,000 lines/s and
 * over. When the pipe is full (its reader is slower than the schedule) the writes block; the lines
 * then go out late, in bursts, and {@code maxBehindLines} in the report says how far behind it
 * fell.
 */
public final class LogProducer {

  private LogProducer() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: LogProducer RATE SECONDS BYTES REPORT.json");
      System.exit(64);
    }
    long rate = Long.parseLong(args[0]);
    int seconds = Integer.parseInt(args[1]);
    int bytes = Integer.parseInt(args[2]);
    Path report = Path.of(args[3]);
    long total = rate * seconds;
    byte[] line = template(bytes);
    OutputStream out =
        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024);
    long startMs = System.currentTimeMillis();
    long start = System.nanoTime();
    long written = 0;
    long maxBehind = 0;
    while (written < total) {
      long due = Math.min(total, due(rate, System.nanoTime() - start));
      maxBehind = Math.max(maxBehind, due - written);
      while (written < due) {
        number(line, written);
        out.write(line);
        written++;
      }
      out.flush();
      if (written < total) {
        LockSupport.parkNanos(1_000_000L);
      }
    }
    out.flush();
    long elapsed = System.nanoTime() - start;
    JsonObject result =
        new JsonObject()
            .put("rate", rate)
            .put("seconds", seconds)
            .put("bytes", bytes)
            .put("lines", written)
            .put("startEpochMs", startMs)
            .put("elapsedMs", elapsed / 1_000_000L)
            .put("achievedRate", achieved(written, elapsed))
            .put("maxBehindLines", maxBehind);
    Files.writeString(report, result.encode() + "\n", StandardCharsets.UTF_8);
  }

  /**
   * How many lines are due {@code elapsedNanos} after the start at {@code rate} lines/s (rounded
   * down).
   */
  public static long due(long rate, long elapsedNanos) {
    if (rate <= 0 || elapsedNanos <= 0) {
      return 0;
    }
    // whole seconds and the rest apart, so that rate * nanos never overflows
    long second = 1_000_000_000L;
    return rate * (elapsedNanos / second) + rate * (elapsedNanos % second) / second;
  }

  /** Lines per second of {@code lines} written in {@code elapsedNanos}; 0 when no time passed. */
  public static double achieved(long lines, long elapsedNanos) {
    return elapsedNanos <= 0 ? 0 : lines * 1e9 / elapsedNanos;
  }

  /**
   * A line of exactly {@code bytes} bytes (at least 16), newline included: {@code "line 000000000
   * xxxx...\n"}, whose number {@link #number} rewrites in place.
   */
  public static byte[] template(int bytes) {
    if (bytes < 16) {
      throw new IllegalArgumentException("a line needs at least 16 bytes, not " + bytes);
    }
    byte[] line = new byte[bytes];
    byte[] head = "line 000000000 ".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, line, 0, head.length);
    for (int i = head.length; i < bytes - 1; i++) {
      line[i] = (byte) ('a' + ((i - head.length) % 26));
    }
    line[bytes - 1] = '\n';
    return line;
  }

  /** Writes {@code n} (mod 10^9) as nine digits at offset 5 of a {@link #template} line. */
  public static void number(byte[] line, long n) {
    long v = n % 1_000_000_000L;
    for (int i = 13; i >= 5; i--) {
      line[i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
  }
}
