package dev.switchboard.stats.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.switchboard.common.testing.ManualClock;
import dev.switchboard.stats.sampling.HostReadings.CpuTicks;
import dev.switchboard.stats.sampling.HostReadings.Filesystem;
import dev.switchboard.stats.sampling.HostReadings.Traffic;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSamplerTest {

  private static final long GIB = 1024L * 1024 * 1024;
  private static final List<Filesystem> MOUNTS =
      List.of(
          new Filesystem("/", "/dev/vda1", "ext4", 100_000, 40_000, 35_000),
          new Filesystem("/run", "tmpfs", "tmpfs", 5_000, 5_000, 5_000),
          new Filesystem(
              "/var/lib/docker/overlay2/abc/merged", "overlay", "overlay", 100_000, 40_000, 35_000),
          new Filesystem("/snap/core22/1380", "/dev/loop3", "squashfs", 77_000, 0, 0),
          new Filesystem("/srv/data", "/dev/vda1", "ext4", 100_000, 40_000, 35_000),
          new Filesystem("/boot/efi", "/dev/vda15", "vfat", 1_000, 900, 900),
          new Filesystem("/run/user/1000/doc", "portal", "fuse.portal", 0, 0, 0));

  private final FakeProbe probe = new FakeProbe();
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-22T01:50:00.123Z"));
  private final List<Gpu> gpus =
      List.of(
          new Gpu(
              0,
              "NVIDIA GeForce RTX 4090",
              37,
              52,
              1234 * 1024 * 1024L,
              24564 * 1024 * 1024L,
              null));
  private final HostSampler sampler = new HostSampler(probe, () -> gpus, clock);

  @Test
  void firstSampleHasNoRatesAndTheCpuAverageSinceBoot() {
    probe.next(first());

    JsonObject sample = sampler.sample();

    assertThat(sample.getString("timestamp")).isEqualTo("2026-11-22T01:50:00.123Z");
    assertThat(sample.getString("hostname")).isEqualTo("box");
    // 100 busy ticks out of 1000 since boot; core 0: 100 of 500, core 1: none
    assertThat(sample.getJsonObject("cpu").getDouble("usagePercent")).isEqualTo(10.0);
    assertThat(sample.getJsonObject("cpu").getJsonArray("cores")).containsExactly(20.0, 0.0);
    assertThat(sample.getJsonObject("diskIo"))
        .isEqualTo(new JsonObject().put("readBytesPerSec", 0L).put("writeBytesPerSec", 0L));
    assertThat(sample.getJsonObject("network"))
        .isEqualTo(new JsonObject().put("rxBytesPerSec", 0L).put("txBytesPerSec", 0L));
  }

  @Test
  void secondSampleComputesUsageAndRatesFromTheDifference() {
    probe.next(first());
    sampler.sample();
    clock.advance(Duration.ofSeconds(10));
    probe.next(second());

    JsonObject sample = sampler.sample();

    assertThat(sample.getString("timestamp")).isEqualTo("2026-11-22T01:50:10.123Z");
    JsonObject cpu = sample.getJsonObject("cpu");
    // 1000 ticks passed, 750 of them idle
    assertThat(cpu.getDouble("usagePercent")).isEqualTo(25.0);
    assertThat(cpu.getJsonArray("cores")).containsExactly(50.0, 0.0);
    assertThat(cpu.getJsonObject("load"))
        .isEqualTo(new JsonObject().put("1m", 0.52).put("5m", 0.41).put("15m", 0.3));
    assertThat(sample.getJsonObject("memory"))
        .isEqualTo(
            new JsonObject()
                .put("totalBytes", 16 * GIB)
                .put("usedBytes", 4 * GIB)
                .put("availableBytes", 12 * GIB)
                .put("usagePercent", 25.0));
    assertThat(sample.getJsonObject("swap"))
        .isEqualTo(
            new JsonObject()
                .put("totalBytes", 2 * GIB)
                .put("usedBytes", GIB / 2)
                .put("usagePercent", 25.0));
    // vda: 5 MB read and 0.5 MB written in 10 s; sdb was plugged in between: its counters are not
    // growth
    assertThat(sample.getJsonObject("diskIo"))
        .isEqualTo(
            new JsonObject().put("readBytesPerSec", 500_000L).put("writeBytesPerSec", 50_000L));
    // eth0's receive counter was reset (adds 0), wlan0 received 100 kB; eth0 sent 20 kB
    assertThat(sample.getJsonObject("network"))
        .isEqualTo(new JsonObject().put("rxBytesPerSec", 10_000L).put("txBytesPerSec", 2_000L));
    assertThat(sample.getInteger("processes")).isEqualTo(130);
    assertThat(sample.getLong("uptimeSeconds")).isEqualTo(4577L);
    assertThat(sample.getJsonArray("gpus"))
        .containsExactly(
            new JsonObject()
                .put("index", 0)
                .put("name", "NVIDIA GeForce RTX 4090")
                .put("utilizationPercent", 37)
                .put("temperatureCelsius", 52)
                .put("memoryUsedBytes", 1234 * 1024 * 1024L)
                .put("memoryTotalBytes", 24564 * 1024 * 1024L));
  }

  @Test
  void disksAreTheRealFilesystemsOnceEachWithDfFigures() {
    probe.next(first());

    JsonArray disks = sampler.sample().getJsonArray("disks");

    // used = total - free = 60000; a user can still fill 35000 of the rest: 60000 / 95000
    assertThat(disks)
        .containsExactly(
            new JsonObject()
                .put("mount", "/")
                .put("device", "/dev/vda1")
                .put("type", "ext4")
                .put("totalBytes", 100_000L)
                .put("usedBytes", 60_000L)
                .put("freeBytes", 35_000L)
                .put("usagePercent", 63.2),
            new JsonObject()
                .put("mount", "/boot/efi")
                .put("device", "/dev/vda15")
                .put("type", "vfat")
                .put("totalBytes", 1_000L)
                .put("usedBytes", 100L)
                .put("freeBytes", 900L)
                .put("usagePercent", 10.0));
  }

  @Test
  void aCounterGoingBackwardsGivesZeroNotANegativeRate() {
    probe.next(
        readings(
            new CpuTicks(0, 0),
            List.of(),
            Map.of("sda", new Traffic(9_000, 9_000)),
            Map.of("eth0", new Traffic(9_000, 9_000))));
    sampler.sample();
    clock.advance(Duration.ofSeconds(10));
    probe.next(
        readings(
            new CpuTicks(0, 0),
            List.of(),
            Map.of("sda", new Traffic(10, 10)),
            Map.of("eth0", new Traffic(10, 10))));

    JsonObject sample = sampler.sample();

    assertThat(sample.getJsonObject("diskIo").getLong("readBytesPerSec")).isZero();
    assertThat(sample.getJsonObject("diskIo").getLong("writeBytesPerSec")).isZero();
    assertThat(sample.getJsonObject("network").getLong("rxBytesPerSec")).isZero();
    assertThat(sample.getJsonObject("network").getLong("txBytesPerSec")).isZero();
    assertThat(sample.getJsonObject("cpu").getDouble("usagePercent")).isZero();
  }

  @Test
  void noSwapIsZeroPercentAndMissingLoadAveragesAreLeftOut() {
    HostReadings windowsLike =
        new HostReadings(
            "box",
            new CpuTicks(1, 2),
            List.of(),
            List.of(-1.0, -1.0, -1.0),
            8 * GIB,
            8 * GIB,
            0,
            0,
            List.of(),
            Map.of(),
            Map.of(),
            1,
            1);
    probe.next(windowsLike);

    JsonObject sample = sampler.sample();

    assertThat(sample.getJsonObject("swap").getDouble("usagePercent")).isZero();
    assertThat(sample.getJsonObject("cpu").containsKey("load")).isFalse();
    assertThat(SampleMetrics.flatten(sample))
        .doesNotContainKeys("cpu.load1", "cpu.load5", "cpu.load15");
  }

  @Test
  void flattenGivesTheSeriesOfTheSample() {
    probe.next(first());
    sampler.sample();
    clock.advance(Duration.ofSeconds(10));
    probe.next(second());

    Map<String, Double> metrics = SampleMetrics.flatten(sampler.sample());

    assertThat(metrics)
        .containsExactly(
            entry("cpu.usagePercent", 25.0),
            entry("cpu.load1", 0.52),
            entry("cpu.load5", 0.41),
            entry("cpu.load15", 0.3),
            entry("cpu.core.usagePercent:0", 50.0),
            entry("cpu.core.usagePercent:1", 0.0),
            entry("memory.usedBytes", 4.0 * GIB),
            entry("memory.usagePercent", 25.0),
            entry("swap.usedBytes", GIB / 2.0),
            entry("diskIo.readBytesPerSec", 500_000.0),
            entry("diskIo.writeBytesPerSec", 50_000.0),
            entry("network.rxBytesPerSec", 10_000.0),
            entry("network.txBytesPerSec", 2_000.0),
            entry("processes", 130.0),
            entry("uptimeSeconds", 4577.0),
            entry("disk.usedBytes:/", 60_000.0),
            entry("disk.usagePercent:/", 63.2),
            entry("disk.usedBytes:/boot/efi", 100.0),
            entry("disk.usagePercent:/boot/efi", 10.0),
            entry("gpu.utilizationPercent:0", 37.0),
            entry("gpu.temperatureCelsius:0", 52.0),
            entry("gpu.memoryUsedBytes:0", 1234.0 * 1024 * 1024));
  }

  @Test
  void infoAddsTheGpusToTheProbesFacts() {
    assertThat(sampler.info())
        .isEqualTo(
            FakeProbe.INFO
                .copy()
                .put(
                    "gpus",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("index", 0)
                                .put("name", "NVIDIA GeForce RTX 4090")
                                .put("memoryTotalBytes", 24564 * 1024 * 1024L))));
  }

  @Test
  void samplesThisHostThroughOshi(@TempDir Path dir) throws IOException {
    // the GPUs come from a fake nvidia-smi, so that the test means the same on a host with a GPU
    Path nvidiaSmi = dir.resolve("nvidia-smi");
    Files.writeString(
        nvidiaSmi, "#!/bin/sh\necho '0, NVIDIA GeForce RTX 4090, 37, 52, 1234, 24564, 81.23'\n");
    Files.setPosixFilePermissions(nvidiaSmi, PosixFilePermissions.fromString("rwx------"));
    HostSampler real = HostSampler.forHost(new JsonObject().put("nvidiaSmi", nvidiaSmi.toString()));

    real.sample();
    long start = System.nanoTime();
    JsonObject sample = real.sample();
    System.out.printf(
        "one sample() of this host took %.1f ms%n", (System.nanoTime() - start) / 1e6);

    assertThat(sample.getString("hostname")).isNotBlank();
    assertThat(Instant.parse(sample.getString("timestamp"))).isBefore(Instant.now().plusSeconds(1));
    JsonObject cpu = sample.getJsonObject("cpu");
    assertThat(cpu.getDouble("usagePercent")).isBetween(0.0, 100.0);
    assertThat(cpu.getJsonArray("cores"))
        .isNotEmpty()
        .allSatisfy(core -> assertThat((Double) core).isBetween(0.0, 100.0));
    assertThat(sample.getJsonObject("memory").getLong("totalBytes")).isPositive();
    assertThat(sample.getJsonObject("memory").getDouble("usagePercent")).isBetween(0.0, 100.0);
    assertThat(sample.getJsonArray("disks")).isNotEmpty();
    for (Object disk : sample.getJsonArray("disks")) {
      JsonObject fs = (JsonObject) disk;
      assertThat(fs.getString("mount")).startsWith("/");
      assertThat(fs.getString("type")).isNotIn("tmpfs", "overlay", "squashfs", "proc");
      assertThat(fs.getDouble("usagePercent")).isBetween(0.0, 100.0);
    }
    assertThat(sample.getJsonObject("diskIo").getLong("readBytesPerSec")).isNotNegative();
    assertThat(sample.getJsonObject("network").getLong("rxBytesPerSec")).isNotNegative();
    assertThat(sample.getInteger("processes")).isPositive();
    assertThat(sample.getLong("uptimeSeconds")).isPositive();
    assertThat(sample.getJsonArray("gpus"))
        .extracting(gpu -> ((JsonObject) gpu).getString("name"))
        .containsExactly("NVIDIA GeForce RTX 4090");

    JsonObject info = real.info();
    assertThat(info.getString("hostname")).isEqualTo(sample.getString("hostname"));
    assertThat(info.getJsonObject("os").getString("family")).isNotBlank();
    assertThat(info.getString("arch")).isNotBlank();
    assertThat(info.getJsonObject("cpu").getString("model")).isNotBlank();
    assertThat(info.getJsonObject("cpu").getInteger("logicalCores"))
        .isEqualTo(cpu.getJsonArray("cores").size())
        .isGreaterThanOrEqualTo(info.getJsonObject("cpu").getInteger("physicalCores"));
    assertThat(info.getJsonObject("memory").getLong("totalBytes"))
        .isEqualTo(sample.getJsonObject("memory").getLong("totalBytes"));
    assertThat(info.getJsonArray("gpus"))
        .containsExactly(
            new JsonObject()
                .put("index", 0)
                .put("name", "NVIDIA GeForce RTX 4090")
                .put("memoryTotalBytes", 24564 * 1024 * 1024L));
  }

  private static HostReadings first() {
    return new HostReadings(
        "box",
        new CpuTicks(900, 1000),
        List.of(new CpuTicks(400, 500), new CpuTicks(500, 500)),
        List.of(0.5, 0.4, 0.3),
        16 * GIB,
        12 * GIB,
        2 * GIB,
        GIB / 2,
        MOUNTS,
        Map.of("vda", new Traffic(1_000_000, 2_000_000)),
        Map.of("eth0", new Traffic(10_000, 5_000), "wlan0", new Traffic(7_000_000, 3_000)),
        123,
        4567);
  }

  private static HostReadings second() {
    return new HostReadings(
        "box",
        new CpuTicks(1650, 2000),
        List.of(new CpuTicks(650, 1000), new CpuTicks(1000, 1000)),
        List.of(0.523, 0.41, 0.3),
        16 * GIB,
        12 * GIB,
        2 * GIB,
        GIB / 2,
        MOUNTS,
        Map.of("vda", new Traffic(6_000_000, 2_500_000), "sdb", new Traffic(9_000_000_000L, 0)),
        Map.of("eth0", new Traffic(1_000, 25_000), "wlan0", new Traffic(7_100_000, 3_000)),
        130,
        4577);
  }

  private static HostReadings readings(
      CpuTicks cpu,
      List<CpuTicks> cores,
      Map<String, Traffic> disks,
      Map<String, Traffic> networks) {
    return new HostReadings(
        "box",
        cpu,
        cores,
        List.of(0.0, 0.0, 0.0),
        GIB,
        GIB,
        0,
        0,
        List.of(),
        disks,
        networks,
        1,
        1);
  }

  /** Hands out the readings queued for it, one per read. */
  private static final class FakeProbe implements HostProbe {

    static final JsonObject INFO = new JsonObject().put("hostname", "box").put("arch", "amd64");

    private final Deque<HostReadings> readings = new ArrayDeque<>();

    void next(HostReadings next) {
      readings.add(next);
    }

    @Override
    public HostReadings read() {
      return readings.remove();
    }

    @Override
    public JsonObject info() {
      return INFO;
    }
  }
}
