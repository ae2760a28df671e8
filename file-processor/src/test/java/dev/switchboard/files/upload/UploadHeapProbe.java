package dev.switchboard.files.upload;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Run by {@link UploadHeapTest} in a JVM of its own with a small heap: serves the upload routes,
 * streams a multipart upload of {@code args[1]} MiB to them (a PNG signature, then noise, made as
 * it is sent), and prints the answer, whether the intake got the same SHA-256, the throughput and
 * the heap's high-water mark.
 */
public final class UploadHeapProbe {

  private UploadHeapProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long size = Long.parseLong(args[1]) << 20;
    try (UploadServer server =
        UploadServer.start(
            UploadServer.options(dir, 1L << 30, Duration.ofHours(1)), dir.resolve("kept"))) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] head = Bodies.partHead("large.png", "image/png");
      byte[] tail = concat(Bodies.partEnd(), Bodies.closing());
      InputStream body =
          new SequenceInputStream(
              java.util.Collections.enumeration(
                  List.of(
                      new ByteArrayInputStream(head),
                      new Generated(size, digest),
                      new ByteArrayInputStream(tail))));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      long started = System.nanoTime();
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url("/api/v1/files")))
                  .header("Content-Type", "multipart/form-data; boundary=" + Bodies.BOUNDARY)
                  .POST(
                      HttpRequest.BodyPublishers.fromPublisher(
                          HttpRequest.BodyPublishers.ofInputStream(() -> body),
                          head.length + size + tail.length))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      double seconds = (System.nanoTime() - started) / 1e9;
      String sent = HexFormat.of().formatHex(digest.digest());
      boolean same =
          server.intake.received().size() == 1
              && server.intake.received().get(0).sha256().equals(sent)
              && server.intake.received().get(0).size() == size;
      System.out.println("status\t" + response.statusCode() + "\t" + response.body());
      System.out.println("same-bytes\t" + same);
      System.out.printf("throughput-mib-s\t%.0f%n", size / 1048576.0 / seconds);
    }
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.println(
        "peak-heap-bytes\t" + peak + "\tmax-heap-bytes\t" + Runtime.getRuntime().maxMemory());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** {@code size} bytes made as they are read: a PNG signature, then noise; hashed on the way. */
  private static final class Generated extends InputStream {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private final long size;
    private final MessageDigest digest;
    private final Random random = new Random(42);
    private long position;

    Generated(long size, MessageDigest digest) {
      this.size = size;
      this.digest = digest;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      if (position == size) {
        return -1;
      }
      int count = (int) Math.min(length, size - position);
      byte[] block = new byte[count];
      random.nextBytes(block);
      for (int i = 0; i < count && position + i < PNG.length; i++) {
        block[i] = PNG[(int) position + i];
      }
      System.arraycopy(block, 0, buffer, offset, count);
      digest.update(block);
      position += count;
      return count;
    }
  }
}
