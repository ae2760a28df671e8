package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.PrimitiveIterator;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ProcStatsTest {

  @Test
  void readsVmRssFromStatus() {
    String status =
        "Name:\tnode\nUmask:\t0022\nVmPeak:\t 1200000 kB\nVmRSS:\t   54321 kB\nRssAnon:\t 40000 kB\n";
    assertThat(ProcStats.parseVmRssKb(status)).isEqualTo(54321);
    assertThat(ProcStats.parseVmRssKb("Name:\tkthreadd\n")).isEqualTo(-1);
  }

  @Test
  void readsUtimePlusStimeEvenWithSpacesAndParensInTheName() {
    // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime stime ...
    String stat =
        "4242 (my (weird) proc) S 1 4242 4242 0 -1 4194560 100 0 0 0 1500 250 0 0 20 0 11 0 77 0";
    assertThat(ProcStats.parseCpuTicks(stat)).isEqualTo(1750);
    assertThatThrownBy(() -> ProcStats.parseCpuTicks("garbage"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsSystemBusyTicksWithoutIdleAndIowait() {
    String line = "cpu  100 5 50 10000 20 3 2 1 0 0";
    assertThat(ProcStats.parseSystemBusyTicks(line)).isEqualTo(100 + 5 + 50 + 3 + 2 + 1);
  }

  @Test
  void cpuPercentIsRelativeToOneCore() {
    long hz = ProcStats.clockTicksPerSecond();
    // one second of CPU over two seconds of wall time is 50 %
    assertThat(ProcStats.cpuPercent(0, hz, 2_000_000_000L)).isCloseTo(50.0, within(1e-9));
    // two cores busy for a second is 200 %
    assertThat(ProcStats.cpuPercent(hz, 3 * hz, 1_000_000_000L)).isCloseTo(200.0, within(1e-9));
    assertThat(ProcStats.cpuPercent(-1, hz, 1_000_000_000L)).isEqualTo(-1);
  }

  @Test
  void settledRssWaitsForThreeSamplesWithinTheTolerance() throws InterruptedException {
    // a runtime that gives memory back for a while after starting, then holds still
    PrimitiveIterator.OfLong samples =
        LongStream.of(120_000, 110_000, 96_000, 95_900, 96_100, 96_000, 50_000).iterator();
    int[] taken = {0};
    long rss =
        ProcStats.settledRssKb(
            () -> {
              taken[0]++;
              return samples.nextLong();
            },
            1,
            10_000,
            256);
    assertThat(rss).isEqualTo(96_100);
    assertThat(taken[0]).isEqualTo(5);
  }

  @Test
  void settledRssWithAHoldSeesAStepAfterAPlateauShorterThanTheHold() throws InterruptedException {
    // a JVM just started: still for four samples, then it gives its compilers' memory back
    PrimitiveIterator.OfLong samples =
        LongStream.of(
                99_000, 96_000, 96_000, 96_100, 96_000, 83_000, 83_000, 83_100, 83_000, 83_000,
                83_000, 83_000, 1)
            .iterator();
    int[] taken = {0};
    LongSupplier rss =
        () -> {
          taken[0]++;
          return samples.nextLong();
        };
    // within 256 KB for 6 periods: seven samples in a row
    assertThat(ProcStats.settledRssKb(rss, 1, 6, 10_000, 256)).isEqualTo(83_000);
    assertThat(taken[0]).isEqualTo(12);
  }

  @Test
  void settledRssGivesUpAfterTheLimitOrWhenTheProcessIsGone() throws InterruptedException {
    long[] next = {100_000};
    long rss = ProcStats.settledRssKb(() -> next[0] -= 1_000, 5, 50, 256);
    assertThat(rss).isLessThan(100_000).isGreaterThan(0);
    assertThat(ProcStats.settledRssKb(() -> -1, 5, 1_000, 256)).isEqualTo(-1);
  }

  @Test
  void readsItsOwnProcess() {
    long self = ProcessHandle.current().pid();
    assertThat(ProcStats.rssKb(self)).isPositive();
    assertThat(ProcStats.cpuTicks(self)).isNotNegative();
    assertThat(ProcStats.systemBusyTicks()).isPositive();
    assertThat(ProcStats.rssKb(Integer.MAX_VALUE)).isEqualTo(-1);
    assertThat(ProcStats.cpuTicks(Integer.MAX_VALUE)).isEqualTo(-1);
  }
}
