package dev.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** Resident memory and CPU time of a process, from Linux {@code /proc}. */
public final class ProcStats {

  private static final long CLOCK_TICKS = clockTicks();

  private ProcStats() {}

  /**
   * Clock ticks per second of {@code /proc/<pid>/stat} times ({@code getconf CLK_TCK}, 100 when
   * unknown).
   */
  public static long clockTicksPerSecond() {
    return CLOCK_TICKS;
  }

  /**
   * {@code VmRSS} of a process in KiB, or -1 when it cannot be read (no such process, not Linux).
   */
  public static long rssKb(long pid) {
    try {
      return parseVmRssKb(Files.readString(statusPath(pid), StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Samples {@code rssKb} every {@code periodMs} until three samples in a row lie within {@code
   * toleranceKb} of each other, or until {@code maxMs} have passed, and returns the last sample (-1
   * when it cannot be read). A runtime that has just started may still be returning memory (a JVM
   * trimming its C heap, a garbage collector shrinking its heap); an RSS taken then makes
   * everything measured against it look smaller.
   */
  public static long settledRssKb(LongSupplier rssKb, long periodMs, long maxMs, long toleranceKb)
      throws InterruptedException {
    return settledRssKb(rssKb, periodMs, 2 * periodMs, maxMs, toleranceKb);
  }

  /**
   * {@link #settledRssKb(LongSupplier, long, long, long)} where the samples must lie within {@code
   * toleranceKb} of each other for {@code holdMs} (at least {@code holdMs / periodMs + 1} samples
   * in a row). A hold longer than the period of what a runtime gives back in steps (HotSpot frees
   * its compilers' pooled scratch memory every 5 s) sees the step instead of the plateau before it.
   */
  public static long settledRssKb(
      LongSupplier rssKb, long periodMs, long holdMs, long maxMs, long toleranceKb)
      throws InterruptedException {
    long samplesInBand = holdMs / periodMs + 1;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
    long rss = rssKb.getAsLong();
    long low = rss;
    long high = rss;
    int inBand = 1;
    while (rss >= 0 && inBand < samplesInBand && System.nanoTime() - deadline < 0) {
      Thread.sleep(periodMs);
      rss = rssKb.getAsLong();
      low = Math.min(low, rss);
      high = Math.max(high, rss);
      if (high - low <= toleranceKb) {
        inBand++;
      } else {
        low = rss;
        high = rss;
        inBand = 1;
      }
    }
    return rss;
  }

  /**
   * The RSS once it has held within 512 KB for 6 s, sampled each second, 40 s at most: the baseline
   * every per-connection or per-session figure is taken against. A JVM holds still for a few
   * seconds after it started or after a burst of compiling, then gives back its compilers' scratch
   * memory at HotSpot's 5 s pool cleaning (96 MB for 4 s, then 83 MB, for the hub), so a shorter
   * hold can take the plateau and credit that drop to what is measured.
   */
  public static long heldRssKb(LongSupplier rssKb) throws InterruptedException {
    return settledRssKb(rssKb, 1_000, 6_000, 40_000, 512);
  }

  /** utime + stime of a process in clock ticks, or -1 when it cannot be read. */
  public static long cpuTicks(long pid) {
    try {
      return parseCpuTicks(Files.readString(statPath(pid), StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Busy time of the whole machine in clock ticks (all CPUs: user + nice + system + irq + softirq +
   * steal, from the first line of {@code /proc/stat}), or -1 when it cannot be read.
   */
  public static long systemBusyTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/stat"), StandardCharsets.US_ASCII);
      int nl = stat.indexOf('\n');
      return parseSystemBusyTicks(nl < 0 ? stat : stat.substring(0, nl));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Parses the {@code cpu user nice system idle iowait irq softirq steal ...} line: everything but
   * idle and iowait.
   */
  public static long parseSystemBusyTicks(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (!f[0].equals("cpu")) {
      throw new IllegalArgumentException("not the cpu line of /proc/stat");
    }
    long busy = 0;
    for (int i = 1; i < f.length && i <= 8; i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(f[i]);
      }
    }
    return busy;
  }

  /** Whether {@code /proc/<pid>} exists. */
  public static boolean exists(long pid) {
    return Files.exists(statPath(pid));
  }

  /** Parses the {@code VmRSS: 12345 kB} line of {@code /proc/<pid>/status}; -1 when absent. */
  public static long parseVmRssKb(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring(6).trim().split("\\s+");
        long value = Long.parseLong(parts[0]);
        if (parts.length > 1) {
          String unit = parts[1].toLowerCase(java.util.Locale.ROOT);
          if (unit.equals("mb")) {
            value *= 1024;
          } else if (unit.equals("gb")) {
            value *= 1024 * 1024;
          }
        }
        return value;
      }
    }
    return -1;
  }

  /**
   * Parses utime (field 14) + stime (field 15) of {@code /proc/<pid>/stat}. The command name (field
   * 2) is in parentheses and may itself contain spaces and parentheses, so fields are counted after
   * the last {@code ')'}.
   */
  public static long parseCpuTicks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc/<pid>/stat line");
    }
    String[] fields = stat.substring(close + 1).trim().split("\\s+");
    // fields[0] is field 3 (state): utime = field 14 → index 11, stime = field 15 → index 12
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /**
   * CPU use in percent of one core between two tick readings {@code wallNanos} apart; -1 if
   * unknown.
   */
  public static double cpuPercent(long ticksBefore, long ticksAfter, long wallNanos) {
    if (ticksBefore < 0 || ticksAfter < 0 || wallNanos <= 0) {
      return -1;
    }
    double cpuSeconds = (double) (ticksAfter - ticksBefore) / CLOCK_TICKS;
    return cpuSeconds / (wallNanos / 1e9) * 100.0;
  }

  private static Path statusPath(long pid) {
    return Path.of("/proc", pid == 0 ? "self" : Long.toString(pid), "status");
  }

  private static Path statPath(long pid) {
    return Path.of("/proc", pid == 0 ? "self" : Long.toString(pid), "stat");
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
        long v = Long.parseLong(out);
        if (v > 0) {
          return v;
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }
}
