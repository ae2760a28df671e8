package dev.switchboard.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresBinariesTest {

  @TempDir Path tmp;

  /**
   * zonky's DefaultPostgresBinaryResolver, which found the archive before, first ran a script that
   * it wrote to {@code ${java.io.tmpdir}/detect_linux_distribution_*.sh} and deleted only at a
   * normal exit of the JVM: every launcher (or test JVM) killed after it left one in /tmp. The JVM
   * that reads the archive here has {@code tmp} as its temp directory, and is killed.
   */
  @Test
  void readingTheArchiveLeavesNothingInTheTempDirectory() throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                ArchiveReader.class.getName())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      StringBuilder seen = new StringBuilder();
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("READ ")) {
        seen.append(line).append('\n');
      }
      assertThat(line).as("the child's output:\n%s", seen).isNotNull();
      assertThat(Long.parseLong(line.substring(5))).as("the archive's size").isPositive();
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left).as("what the JVM that read the archive has in its temp dir").isEmpty();
      }
    } finally {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Reads the archive in a child JVM, says so, and waits to be killed. */
  public static final class ArchiveReader {
    public static void main(String[] args) throws Exception {
      System.out.println("READ " + PostgresBinaries.readArchive().length);
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
