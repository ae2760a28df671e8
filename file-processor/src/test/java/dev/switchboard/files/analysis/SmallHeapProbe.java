package dev.switchboard.files.analysis;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Run by {@link SmallHeapTest} in a JVM of its own with a small heap: analyses each file named on
 * the command line with the default limits and prints one line per file, then the heap's high-water
 * mark.
 */
public final class SmallHeapProbe {

  private SmallHeapProbe() {}

  public static void main(String[] args) {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Analyzer analyzer = new Analyzer(AnalysisLimits.DEFAULT, pool);
      Path thumbnails = Path.of(args[0]);
      for (int i = 1; i < args.length; i++) {
        Path file = Path.of(args[i]);
        Analysis analysis =
            analyzer.analyze(file, file.getFileName().toString(), thumbnails.resolve("t" + i));
        System.out.println(
            file.getFileName()
                + "\t"
                + analysis.status()
                + "\t"
                + analysis.thumbnails().size()
                + "\t"
                + analysis.reason());
      }
    } finally {
      pool.shutdownNow();
    }
    long peak = 0;
    for (MemoryPoolMXBean memoryPool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (memoryPool.getType() == MemoryType.HEAP) {
        peak += memoryPool.getPeakUsage().getUsed();
      }
    }
    System.out.println(
        "peak-heap-bytes\t" + peak + "\tmax-heap-bytes\t" + Runtime.getRuntime().maxMemory());
  }
}
