package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * The two FIFOs a managed process writes to, held open for writing by the supervisor itself for as
 * long as the process lives. Without that "keeper", a process that prints a line and exits before
 * the reader has opened the FIFO would take the line with it (a pipe's buffer is freed when its
 * last holder closes it), and a reader opening the FIFO would wait for a writer. With it, the
 * readers open at once, nothing written is lost, and they see the end of the stream exactly when
 * the process has exited and {@link #close} drops the keepers.
 */
public final class OutputPipes implements AutoCloseable {

  private final Path stdout;
  private final Path stderr;
  private final RandomAccessFile keepOut;
  private final RandomAccessFile keepErr;

  private OutputPipes(
      Path stdout, Path stderr, RandomAccessFile keepOut, RandomAccessFile keepErr) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.keepOut = keepOut;
    this.keepErr = keepErr;
  }

  /** Makes the FIFOs in {@code dir} if needed and opens the keepers. Blocking. */
  public static OutputPipes open(Path dir) throws IOException {
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    Fifos.ensure(out);
    Fifos.ensure(err);
    // read-write: on Linux opening a FIFO this way never waits for the other end
    RandomAccessFile keepOut = new RandomAccessFile(out.toFile(), "rw");
    try {
      return new OutputPipes(out, err, keepOut, new RandomAccessFile(err.toFile(), "rw"));
    } catch (IOException e) {
      keepOut.close();
      throw e;
    }
  }

  public Path stdout() {
    return stdout;
  }

  public Path stderr() {
    return stderr;
  }

  /** Drops the keepers: once the process's own ends are closed too, the readers reach the end. */
  @Override
  public void close() {
    try {
      keepOut.close();
    } catch (IOException e) {
      // closing is all we wanted
    }
    try {
      keepErr.close();
    } catch (IOException e) {
      // same
    }
  }
}
