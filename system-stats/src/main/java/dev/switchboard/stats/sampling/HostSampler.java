package dev.switchboard.stats.sampling;

import dev.switchboard.stats.sampling.HostReadings.CpuTicks;
import dev.switchboard.stats.sampling.HostReadings.Filesystem;
import dev.switchboard.stats.sampling.HostReadings.Traffic;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Builds the {@code stats.system} sample (the JSON shape the REST API and the web app read) from
 * the probe's raw readings. CPU usage and the disk and network rates come from the difference
 * between this reading and the previous one, so the sampler keeps that reading: call it from one
 * thread at a time.
 *
 * <p>The first sample has no previous reading: its rates are 0 and its CPU usage is the average
 * since boot. {@link #info()} keeps no state and may be called from any thread.
 */
public final class HostSampler {

  // Fixed width (Instant.toString drops a zero fraction) so timestamps sort and compare as strings.
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final List<String> LOAD_KEYS = List.of("1m", "5m", "15m");

  private final HostProbe probe;
  private final Supplier<List<Gpu>> gpus;
  private final Clock clock;
  private HostReadings previous;
  private Instant previousAt;

  /**
   * @param gpus the current GPU figures, typically {@code nvidiaSmi::query}
   * @param clock stamps the samples and measures the time between them for the rates
   */
  public HostSampler(HostProbe probe, Supplier<List<Gpu>> gpus, Clock clock) {
    this.probe = probe;
    this.gpus = gpus;
    this.clock = clock;
  }

  /**
   * The sampler of this host, the one the verticle runs.
   *
   * @param config the verticle's config; {@code nvidiaSmi} is the command to run, {@code
   *     nvidia-smi} by default
   */
  public static HostSampler forHost(JsonObject config) {
    String command = config.getString("nvidiaSmi");
    NvidiaSmi nvidiaSmi =
        new NvidiaSmi(command == null || command.isBlank() ? "nvidia-smi" : command);
    return new HostSampler(new OshiProbe(), nvidiaSmi::query, Clock.systemUTC());
  }

  /** Blocking: reads the host and runs nvidia-smi. */
  public JsonObject sample() {
    Instant now = clock.instant();
    HostReadings current = probe.read();
    // A clock stepped backwards gives a negative interval; the rates then read 0 for one sample.
    double seconds = previous == null ? 0 : Duration.between(previousAt, now).toNanos() / 1e9;
    Map<String, Traffic> disksBefore = previous == null ? Map.of() : previous.disks();
    Map<String, Traffic> networksBefore = previous == null ? Map.of() : previous.networks();

    JsonObject sample =
        new JsonObject()
            .put("timestamp", TIMESTAMP.format(now))
            .put("hostname", current.hostname())
            .put("cpu", cpu(current))
            .put("memory", memory(current))
            .put("swap", swap(current))
            .put("disks", disks(current.filesystems()))
            .put(
                "diskIo",
                rates(current.disks(), disksBefore, seconds, "readBytesPerSec", "writeBytesPerSec"))
            .put(
                "network",
                rates(
                    current.networks(), networksBefore, seconds, "rxBytesPerSec", "txBytesPerSec"))
            .put("processes", current.processes())
            .put("uptimeSeconds", current.uptimeSeconds())
            .put("gpus", new JsonArray(gpus.get().stream().map(Gpu::toJson).toList()));
    previous = current;
    previousAt = now;
    return sample;
  }

  /**
   * The host's static facts for {@code GET /api/v1/system/info}: those of {@link HostProbe#info()}
   * and the {@code gpus} ({@code index}, {@code name}, {@code memoryTotalBytes}). Blocking: runs
   * nvidia-smi.
   */
  public JsonObject info() {
    JsonArray gpuFacts = new JsonArray();
    for (Gpu gpu : gpus.get()) {
      JsonObject facts = new JsonObject().put("index", gpu.index()).put("name", gpu.name());
      Gpu.putPresent(facts, "memoryTotalBytes", gpu.memoryTotalBytes());
      gpuFacts.add(facts);
    }
    return probe.info().copy().put("gpus", gpuFacts);
  }

  private JsonObject cpu(HostReadings current) {
    List<CpuTicks> cores = current.cores();
    // CPUs going on or offline renumber the cores: compare with boot rather than with the wrong
    // core.
    boolean sameCores = previous != null && previous.cores().size() == cores.size();
    JsonArray coreUsage = new JsonArray();
    for (int i = 0; i < cores.size(); i++) {
      coreUsage.add(usage(sameCores ? previous.cores().get(i) : CpuTicks.BOOT, cores.get(i)));
    }
    JsonObject cpu =
        new JsonObject()
            .put(
                "usagePercent",
                usage(previous == null ? CpuTicks.BOOT : previous.cpu(), current.cpu()))
            .put("cores", coreUsage);
    JsonObject load = new JsonObject();
    for (int i = 0; i < LOAD_KEYS.size() && i < current.loadAverages().size(); i++) {
      double value = current.loadAverages().get(i);
      if (value >= 0) { // negative: the OS keeps no load average (Windows)
        load.put(LOAD_KEYS.get(i), Math.round(value * 100) / 100.0);
      }
    }
    return load.isEmpty() ? cpu : cpu.put("load", load);
  }

  private static double usage(CpuTicks before, CpuTicks now) {
    long total = now.total() - before.total();
    long busy = total - (now.idle() - before.idle());
    // Linux's iowait counter can step backwards, so clamp rather than trust the difference blindly.
    return total <= 0 ? 0 : Math.min(100, Math.max(0, percent(busy, total)));
  }

  private static JsonObject memory(HostReadings r) {
    // "Used" as free(1) means it: what is not available, so reclaimable page cache does not count.
    long used = r.memoryTotalBytes() - r.memoryAvailableBytes();
    return new JsonObject()
        .put("totalBytes", r.memoryTotalBytes())
        .put("usedBytes", used)
        .put("availableBytes", r.memoryAvailableBytes())
        .put("usagePercent", percent(used, r.memoryTotalBytes()));
  }

  private static JsonObject swap(HostReadings r) {
    return new JsonObject()
        .put("totalBytes", r.swapTotalBytes())
        .put("usedBytes", r.swapUsedBytes())
        .put("usagePercent", percent(r.swapUsedBytes(), r.swapTotalBytes()));
  }

  private static JsonArray disks(List<Filesystem> mounted) {
    JsonArray disks = new JsonArray();
    for (Filesystem fs : RealFilesystems.of(mounted)) {
      // Figures as df shows them: the blocks reserved for root are neither used nor free to a
      // user, so the percentage is of used + available, and reaches 100 when a user cannot write.
      long used = fs.totalBytes() - fs.freeBytes();
      disks.add(
          new JsonObject()
              .put("mount", fs.mount())
              .put("device", fs.device())
              .put("type", fs.type())
              .put("totalBytes", fs.totalBytes())
              .put("usedBytes", used)
              .put("freeBytes", fs.availableBytes())
              .put("usagePercent", percent(used, used + fs.availableBytes())));
    }
    return disks;
  }

  private static JsonObject rates(
      Map<String, Traffic> now,
      Map<String, Traffic> before,
      double seconds,
      String inKey,
      String outKey) {
    return new JsonObject()
        .put(inKey, bytesPerSecond(now, before, Traffic::inBytes, seconds))
        .put(outKey, bytesPerSecond(now, before, Traffic::outBytes, seconds));
  }

  /**
   * Sums the growth of each device's counter. Counting per device rather than the sum of all keeps
   * a disk plugged in between two samples (its whole counter is new) from showing as a burst and
   * one removed from showing as a negative rate; a counter that went backwards (a NIC reset) adds
   * nothing.
   */
  private static long bytesPerSecond(
      Map<String, Traffic> now,
      Map<String, Traffic> before,
      ToLongFunction<Traffic> counter,
      double seconds) {
    if (seconds <= 0) {
      return 0;
    }
    long bytes = 0;
    for (Map.Entry<String, Traffic> device : now.entrySet()) {
      Traffic old = before.get(device.getKey());
      if (old != null) {
        bytes += Math.max(0, counter.applyAsLong(device.getValue()) - counter.applyAsLong(old));
      }
    }
    return Math.round(bytes / seconds);
  }

  /**
   * {@code part} as a percentage of {@code whole} with one decimal; 0 of nothing is 0%, not NaN.
   */
  private static double percent(long part, long whole) {
    return whole <= 0 ? 0 : Math.round(part * 1000.0 / whole) / 10.0;
  }
}
