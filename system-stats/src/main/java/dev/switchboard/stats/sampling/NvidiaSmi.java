package dev.switchboard.stats.sampling;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks {@code nvidia-smi} for the GPUs' figures. A host without it, or where it fails, simply has
 * no GPUs: {@link #query()} then answers an empty list, logs once, and does not run the command
 * again before {@code retryAfterFailure} has passed, so a broken or hung driver costs nothing on
 * every sample.
 */
public final class NvidiaSmi {

  private static final Logger LOG = LoggerFactory.getLogger(NvidiaSmi.class);
  private static final String QUERY =
      "--query-gpu=index,name,utilization.gpu,temperature.gpu,memory.used,memory.total,power.draw";
  private static final String FORMAT = "--format=csv,noheader,nounits";
  private static final int FIELDS = 7;
  private static final long MIB = 1024 * 1024;

  private final String command;
  private final Duration timeout;
  private final Duration retryAfterFailure;
  private boolean failing;
  private long retryAt; // System.nanoTime() before which a failing command is not run again

  /**
   * @param command the executable, a path or a name looked up in the PATH
   */
  public NvidiaSmi(String command) {
    this(command, Duration.ofSeconds(5), Duration.ofMinutes(1));
  }

  public NvidiaSmi(String command, Duration timeout, Duration retryAfterFailure) {
    this.command = command;
    this.timeout = timeout;
    this.retryAfterFailure = retryAfterFailure;
  }

  /**
   * Blocking, up to the timeout. Never throws. Synchronized so that the sampler and the info
   * endpoint do not run two nvidia-smi at once and share what they learn about a failing one.
   */
  public synchronized List<Gpu> query() {
    if (failing && System.nanoTime() - retryAt < 0) {
      return List.of();
    }
    Process process;
    try {
      process = new ProcessBuilder(command, QUERY, FORMAT).redirectErrorStream(true).start();
    } catch (IOException e) {
      return failed(
          () ->
              LOG.info(
                  "No GPU figures: cannot run {} ({}); trying again every {}",
                  command,
                  e.getMessage(),
                  retryAfterFailure));
    }
    try (InputStream output = process.getInputStream()) {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        return failed(
            () ->
                LOG.warn(
                    "No GPU figures: {} did not answer within {}; killed it", command, timeout));
      }
      // Read after the exit: a line per GPU stays far below the pipe's buffer, so it cannot block.
      String text = new String(output.readAllBytes(), UTF_8);
      if (process.exitValue() != 0) {
        return failed(
            () ->
                LOG.warn(
                    "No GPU figures: {} exited with {}: {}",
                    command,
                    process.exitValue(),
                    text.strip()));
      }
      List<Gpu> gpus = parse(text);
      failing = false;
      return gpus;
    } catch (IllegalArgumentException | IOException e) {
      return failed(
          () -> LOG.warn("No GPU figures: {} answered unexpectedly: {}", command, e.getMessage()));
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  private List<Gpu> failed(Runnable log) {
    if (!failing) { // once per run of failures, not once a minute for ever
      log.run();
    }
    failing = true;
    retryAt = System.nanoTime() + retryAfterFailure.toNanos();
    return List.of();
  }

  private static void kill(Process process) {
    // A wrapper script's children would otherwise outlive it.
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /**
   * Parses {@code nvidia-smi --query-gpu=... --format=csv,noheader,nounits} output, a line per GPU
   * such as {@code 0, NVIDIA GeForce RTX 4090, 37, 52, 1234, 24564, 81.23}; memory is in MiB.
   *
   * @throws IllegalArgumentException naming the line that is not such a line
   */
  static List<Gpu> parse(String csv) {
    List<Gpu> gpus = new ArrayList<>();
    for (String line : csv.split("\\R")) {
      if (!line.isBlank()) {
        gpus.add(parseLine(line));
      }
    }
    return gpus;
  }

  private static Gpu parseLine(String line) {
    String[] fields = line.split(",", -1);
    if (fields.length != FIELDS) {
      throw new IllegalArgumentException("expected " + FIELDS + " fields in '" + line + "'");
    }
    try {
      Integer index = figure(fields[0], Integer::valueOf);
      String name = fields[1].strip();
      if (index == null || name.isEmpty()) {
        throw new IllegalArgumentException("no GPU index or name in '" + line + "'");
      }
      Long memoryUsedMib = figure(fields[4], Long::valueOf);
      Long memoryTotalMib = figure(fields[5], Long::valueOf);
      return new Gpu(
          index,
          name,
          figure(fields[2], Integer::valueOf),
          figure(fields[3], Integer::valueOf),
          memoryUsedMib == null ? null : memoryUsedMib * MIB,
          memoryTotalMib == null ? null : memoryTotalMib * MIB,
          figure(fields[6], Double::valueOf));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number in '" + line + "'", e);
    }
  }

  /**
   * Null for the bracketed placeholders nvidia-smi prints instead of a figure: [N/A], [Not
   * Supported]...
   */
  private static <T> T figure(String field, Function<String, T> parse) {
    String value = field.strip();
    return value.startsWith("[") ? null : parse.apply(value);
  }
}
