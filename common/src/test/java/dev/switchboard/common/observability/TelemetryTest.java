package dev.switchboard.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The process registry's names as Prometheus reads them. */
class TelemetryTest {

  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  private Vertx vertx;
  private PrometheusMeterRegistry registry;

  @BeforeEach
  void start() {
    vertx = Telemetry.vertxBuilder("telemetry-test", new VertxOptions()).build();
    registry = (PrometheusMeterRegistry) Telemetry.registry();
    Counter.builder("hub.example").description("an own counter").register(registry).increment();
    Gauge.builder("files.example.size", () -> 3)
        .description("an own gauge")
        .baseUnit("bytes")
        .register(registry);
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void ownMetersArePrefixedAndTheStandardFamiliesKeepTheirNames() {
    Set<String> names = exportedNames(registry.scrape());
    assertThat(names)
        .contains(
            "switchboard_hub_example_total",
            "switchboard_files_example_size_bytes",
            "jvm_memory_used_bytes",
            "process_cpu_seconds_total",
            "jvm_compilation_time_seconds_total",
            "system_cpus",
            "jvm_threads_live_threads")
        .doesNotContain(
            "process_cpu_time_ns_total", "jvm_compilation_time_ms_total", "system_cpu_count");
    assertThat(names)
        .allSatisfy(
            name -> assertThat(name).matches("(switchboard|jvm|process|system|vertx)_[a-z0-9_]+"));
    assertThat(registry.find(Telemetry.exported("hub.example")).counter().count()).isEqualTo(1);
  }

  /**
   * The collections are counted from each collector's own figures, read at scrape time: no meter
   * listens to every collection's notification (JvmGcMetrics and JvmHeapPressureMetrics did, at a
   * cost per young collection that an upload makes about 160 times a GiB).
   */
  @Test
  void collectionsAreCountedWithoutListeningToEachOne() {
    System.gc();
    String scrape = registry.scrape();
    // what the Grafana dashboard plots (deploy/grafana/switchboard.json)
    assertThat(scrape).contains("jvm_gc_pause_seconds_sum{", "jvm_gc_pause_seconds_count{");
    Set<String> names = exportedNames(scrape);
    assertThat(registry.find("jvm.gc.pause").functionTimers())
        .as("one per collector, counting the collection just made")
        .isNotEmpty()
        .anySatisfy(timer -> assertThat(timer.count()).isPositive());
    assertThat(names)
        .as("meters fed by a notification per collection")
        .noneMatch(
            name ->
                name.startsWith("jvm_gc_memory_")
                    || name.startsWith("jvm_gc_overhead")
                    || name.startsWith("jvm_gc_live_data")
                    || name.startsWith("jvm_memory_usage_after_gc"));
  }

  @Test
  void processCpuIsInSecondsNotNanoseconds() {
    double seconds = registry.get("process.cpu").functionCounter().count();
    long uptimeSeconds =
        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
    // CPU time of a JVM that ran some tests: above 0 and below cores × uptime (in nanoseconds it
    // would be billions)
    assertThat(seconds)
        .isPositive()
        .isLessThan(Runtime.getRuntime().availableProcessors() * (uptimeSeconds + 1.0));
  }

  @Test
  void promtoolFindsNothing() throws Exception {
    assertThat(Files.isExecutable(PROMTOOL))
        .as("%s (Debian's prometheus package; .ci/run installs it)", PROMTOOL)
        .isTrue();
    Process promtool =
        new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = promtool.getOutputStream()) {
      in.write(registry.scrape().getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    promtool.getInputStream().transferTo(out);
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out.toString(StandardCharsets.UTF_8)).as("promtool check metrics").isBlank();
    assertThat(promtool.exitValue()).isZero();
  }

  static Set<String> exportedNames(String scrape) {
    Set<String> names = new TreeSet<>();
    scrape
        .lines()
        .filter(line -> line.startsWith("# TYPE "))
        .map(line -> line.split(" ")[2])
        .forEach(names::add);
    return names;
  }
}
