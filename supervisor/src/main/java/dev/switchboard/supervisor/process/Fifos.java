package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/** Named pipes for the output of managed processes. Blocking. */
public final class Fifos {

  private Fifos() {}

  /** Makes {@code path} a FIFO (mode 0600) unless it already is one. */
  public static void ensure(Path path) throws IOException {
    if (Files.exists(path)) {
      if (Files.readAttributes(path, BasicFileAttributes.class).isOther()) {
        return;
      }
      Files.delete(path);
    }
    Files.createDirectories(path.getParent());
    try {
      Process mkfifo =
          new ProcessBuilder("mkfifo", "-m", "600", path.toString())
              .redirectErrorStream(true)
              .start();
      String output = new String(mkfifo.getInputStream().readAllBytes()).trim();
      if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
        throw new IOException("mkfifo " + path + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating " + path, e);
    }
  }

  /** Opens the reading end; waits until a writer has it open. */
  public static FileChannel openForReading(Path path) throws IOException {
    return FileChannel.open(path, StandardOpenOption.READ);
  }
}
