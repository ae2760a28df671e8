package dev.switchboard.files.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload is streamed, never held: a JVM limited to 64 MiB of heap (server and client both) takes
 * a 300 MiB multipart upload, and the intake gets exactly the bytes that were sent.
 */
class UploadHeapTest {

  private static final String HEAP = "-Xmx64m";
  private static final int MIB = 300;

  @TempDir Path dir;

  @Test
  void a300MibUploadPassesThroughA64MibHeap() throws Exception {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            HEAP,
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            System.getProperty("java.class.path"),
            UploadHeapProbe.class.getName(),
            dir.toString(),
            Integer.toString(MIB));
    Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = readAll(probe);
    assertThat(probe.waitFor(3, TimeUnit.MINUTES)).as(output).isTrue();

    assertThat(probe.exitValue()).as(output).isZero();
    assertThat(output).contains("status\t201\t").contains("same-bytes\ttrue");
    System.out.println(
        MIB
            + " MiB uploaded under "
            + HEAP
            + ": "
            + output
                .lines()
                .filter(line -> line.startsWith("peak-heap") || line.startsWith("throughput"))
                .toList());
  }

  private static String readAll(Process process) throws IOException {
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
