package dev.switchboard.bench;

import dev.switchboard.files.analysis.Analysis;
import dev.switchboard.files.analysis.AnalysisLimits;
import dev.switchboard.files.analysis.Analyzer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The file processor's own part of the ingest benchmark, without HTTP or the database: {@link
 * Analyzer#analyze} over every {@code .jpg} of a directory (type, allow-list, SHA-256, metadata and
 * the thumbnails of {@link AnalysisLimits#DEFAULT}), {@code workers} files at a time on a pool of
 * as many threads, as the service works its queue with {@code FILES_WORKERS}. Prints one line:
 * files per second over the whole run (a cold JVM, its JIT warming up included), and the process's
 * peak RSS ({@code VmHWM}).
 *
 * <pre>java -cp switchboard-bench.jar dev.switchboard.bench.IngestBench DIR THUMBNAIL_DIR WORKERS
 * </pre>
 *
 * Exits 1 when any file was not {@code ANALYSED} or did not get all its thumbnails.
 */
public final class IngestBench {

  private IngestBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: IngestBench DIR THUMBNAIL_DIR WORKERS");
      System.exit(64);
    }
    Path directory = Path.of(args[0]);
    Path thumbnails = Path.of(args[1]);
    int workers = Integer.parseInt(args[2]);
    List<Path> files;
    try (Stream<Path> listing = Files.list(directory)) {
      files = listing.filter(file -> file.toString().endsWith(".jpg")).sorted().toList();
    }
    int expectedThumbnails = AnalysisLimits.DEFAULT.thumbnailSizes().size();

    ExecutorService pool = Executors.newFixedThreadPool(workers);
    ExecutorService callers = Executors.newFixedThreadPool(workers);
    Analyzer analyzer = new Analyzer(AnalysisLimits.DEFAULT, pool);
    long started = System.nanoTime();
    List<Future<Analysis>> running = new ArrayList<>(files.size());
    for (Path file : files) {
      Path out = thumbnails.resolve(file.getFileName().toString().replace(".jpg", ""));
      running.add(callers.submit(() -> analyzer.analyze(file, file.getFileName().toString(), out)));
    }
    Map<String, Integer> outcomes = new TreeMap<>();
    for (Future<Analysis> result : running) {
      Analysis analysis = result.get();
      String outcome =
          analysis.status() == Analysis.Status.ANALYSED
                  && analysis.thumbnails().size() == expectedThumbnails
              ? "analysed"
              : analysis.status() + ": " + analysis.reason();
      outcomes.merge(outcome, 1, Integer::sum);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    callers.shutdown();
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.SECONDS);

    System.out.printf(
        "switchboard-analyzer: %d files, %d workers, %.1f s, %.1f files/s, peak RSS %.0f MiB, %s%n",
        files.size(), workers, seconds, files.size() / seconds, peakRssKb() / 1024.0, outcomes);
    if (outcomes.size() != 1 || !outcomes.containsKey("analysed")) {
      System.exit(1);
    }
  }

  /** {@code VmHWM} of this process in KiB: the most it was resident at any time. */
  private static long peakRssKb() throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
