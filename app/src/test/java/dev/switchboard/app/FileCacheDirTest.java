package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vert.x's file cache in the DATA_DIR, and what processes killed outright left there. */
class FileCacheDirTest {

  @TempDir Path dataDir;

  @Test
  void theCachesOfProcessesThatAreGoneAreDeletedAndThoseOfRunningOnesKept() throws IOException {
    Path parent = Files.createDirectories(dataDir.resolve("run/vertx-cache"));
    long self = ProcessHandle.current().pid();
    long running = ProcessHandle.current().parent().orElseThrow().pid();
    long gone = finishedPid();
    Path ofGone = Files.createDirectories(parent.resolve(gone + "/webroot"));
    Files.writeString(ofGone.resolve("index.html"), "<html>");
    Files.createDirectories(parent.resolve(gone + "-2"));
    Files.createDirectories(parent.resolve("not-a-pid"));
    Files.createDirectories(parent.resolve(Long.toString(running)));
    Files.createDirectories(parent.resolve(Long.toString(self)));

    FileSystemOptions options = FileCacheDir.in(dataDir);

    assertThat(options.getFileCacheDir()).isEqualTo(parent.resolve(Long.toString(self)).toString());
    assertThat(options.isFileCacheDirAsExactPath()).isTrue();
    try (var left = Files.list(parent)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(Long.toString(running), Long.toString(self));
    }
  }

  @Test
  void vertxKeepsItsCacheThereAndDeletesItWhenItCloses() {
    Path own = dataDir.resolve("run/vertx-cache/" + ProcessHandle.current().pid());
    Vertx vertx =
        Vertx.builder()
            .with(new VertxOptions().setFileSystemOptions(FileCacheDir.in(dataDir)))
            .build();
    try {
      assertThat(own).isDirectory();
    } finally {
      vertx.close().await();
    }
    assertThat(own).doesNotExist();
  }

  /** The pid of a process that has ended. */
  private static long finishedPid() throws IOException {
    Process process = new ProcessBuilder("true").start();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return process.pid();
  }
}
