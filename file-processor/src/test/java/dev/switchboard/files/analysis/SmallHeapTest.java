package dev.switchboard.files.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing the analyser does can exhaust the heap: a JVM limited to 64 MiB analyses a
 * decompression-bomb PNG, a 24-megapixel JPEG (whose full raster alone would need 72 MiB), a PDF
 * and a zip bomb, and finishes with the expected outcome for each.
 */
class SmallHeapTest {

  private static final String HEAP = "-Xmx64m";

  @TempDir Path dir;

  @Test
  void theAnalyserStaysWithinA64MibHeap() throws Exception {
    List<Path> files =
        List.of(
            TestFiles.decompressionBombPng(dir.resolve("bomb.png"), 50_000),
            TestFiles.gradientJpeg(dir.resolve("big.jpg"), 6000, 4000),
            TestFiles.pdf(dir.resolve("doc.pdf"), 2, "Small heap", "Switchboard"),
            TestFiles.zipBomb(dir.resolve("bomb.zip"), 64));

    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP,
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                "-cp",
                System.getProperty("java.class.path"),
                SmallHeapProbe.class.getName(),
                dir.resolve("thumbnails").toString()));
    files.forEach(file -> command.add(file.toString()));
    Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = readAll(probe);
    assertThat(probe.waitFor(2, TimeUnit.MINUTES)).as(output).isTrue();

    assertThat(probe.exitValue()).as(output).isZero();
    List<String> lines =
        Arrays.stream(output.split("\n")).filter(line -> line.contains("\t")).toList();
    assertThat(lines).as(output).hasSize(5);
    assertThat(lines.get(0)).startsWith("bomb.png\tREJECTED\t0\ta 50000 × 50000 image");
    assertThat(lines.get(1)).isEqualTo("big.jpg\tANALYSED\t3\tnull");
    assertThat(lines.get(2)).isEqualTo("doc.pdf\tANALYSED\t3\tnull");
    assertThat(lines.get(3)).startsWith("bomb.zip\tREJECTED\t0\tapplication/zip would expand");
    System.out.println("analysed under " + HEAP + ": " + lines.get(4));
  }

  private static String readAll(Process process) throws IOException {
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
