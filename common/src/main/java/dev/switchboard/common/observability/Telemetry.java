package dev.switchboard.common.observability;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Prometheus registry per process, wired into Vert.x metrics. All services of a process share
 * it, so it carries the common tag {@code service} naming what the process runs.
 *
 * <p>Names: Switchboard's own meters are registered under short dotted names ({@code hub.emits},
 * {@code supervisor.services}) and exported with the prefix {@link #PREFIX} ({@code
 * switchboard_hub_emits_total}) by one {@link MeterFilter} here, so that they cannot collide with
 * another exporter's on a shared Prometheus. The standard families keep their conventional names,
 * which dashboards and alerts everywhere query: the JVM's and the process's from Micrometer's
 * binders ({@code jvm_*}, {@code process_*}, {@code system_*}) and Vert.x's ({@code vertx_*}).
 * Three of Micrometer's names break Prometheus's rules ({@code promtool check metrics}) and are
 * replaced here by the conventional ones: {@code process_cpu_time_ns_total} by {@code
 * process_cpu_seconds_total} (the name every Prometheus client library exports), {@code
 * jvm_compilation_time_ms_total} by {@code jvm_compilation_time_seconds_total} and {@code
 * system_cpu_count} by {@code system_cpus}.
 */
public final class Telemetry {

  /** The prefix of Switchboard's own meters, as registered: exported as {@code switchboard_}. */
  public static final String PREFIX = "switchboard.";

  /** Families that keep their conventional names (Micrometer's JVM binders, Vert.x). */
  static final List<String> STANDARD = List.of("jvm.", "process.", "system.", "vertx.");

  private Telemetry() {}

  /** A Vert.x builder whose metrics go to a new Prometheus registry tagged with {@code service}. */
  public static VertxBuilder vertxBuilder(String service, VertxOptions options) {
    return Vertx.builder()
        .with(options.setMetricsOptions(metricsOptions()))
        .withMetrics(new MicrometerMetricsFactory(newRegistry(service)));
  }

  static PrometheusMeterRegistry newRegistry(String service) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry
        .config()
        .commonTags("service", service)
        .meterFilter(MeterFilter.deny(Telemetry::replaced))
        .meterFilter(conventionalNames());
    registerReplacements(registry);
    registerJvm(registry);
    return registry;
  }

  /** The exported name of one of Switchboard's own meters registered as {@code name}. */
  public static String exported(String name) {
    return name.startsWith(PREFIX) ? name : PREFIX + name;
  }

  /**
   * Prefixes Switchboard's own meters (everything outside {@link #STANDARD}) and renames {@code
   * system.cpu.count}, a gauge whose {@code _count} suffix Prometheus reserves for histograms.
   */
  static MeterFilter conventionalNames() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        String name = id.getName();
        if (name.equals("system.cpu.count")) {
          return id.withName("system.cpus");
        }
        if (STANDARD.stream().anyMatch(name::startsWith)) {
          return id;
        }
        return id.withName(exported(name));
      }
    };
  }

  /** Micrometer's meters in an abbreviated unit, replaced by {@link #registerReplacements}. */
  private static boolean replaced(Meter.Id id) {
    return (id.getName().equals("process.cpu.time") && "ns".equals(id.getBaseUnit()))
        || (id.getName().equals("jvm.compilation.time") && "ms".equals(id.getBaseUnit()));
  }

  private static void registerReplacements(MeterRegistry registry) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean process
        && process.getProcessCpuTime() >= 0) {
      FunctionCounter.builder("process.cpu", process, p -> p.getProcessCpuTime() / 1e9)
          .baseUnit("seconds")
          .description("CPU time used by the process (user and system)")
          .register(registry);
    }
    CompilationMXBean compilation = ManagementFactory.getCompilationMXBean();
    if (compilation != null && compilation.isCompilationTimeMonitoringSupported()) {
      // not "jvm.compilation.time" in seconds: the registry would take Micrometer's meter of that
      // name and tags for this one (a meter's id leaves its unit out)
      FunctionCounter.builder(
              "jvm.compilation.time.seconds", compilation, c -> c.getTotalCompilationTime() / 1e3)
          .description("time spent by the JIT compiler")
          .tag("compiler", compilation.getName())
          .register(registry);
    }
  }

  /**
   * Micrometer's JVM binders that Vert.x binds with {@code setJvmMetricsEnabled(true)}, but for the
   * two that listen to every collection ({@code JvmGcMetrics}, {@code JvmHeapPressureMetrics}):
   * each of their JMX notifications is built and handled on a thread of its own, once per young
   * collection, and the small young generation collects about 160 times per GiB an upload moves
   * (0.04–0.10 s of CPU per GiB on the notification thread, and C2 compiling JMX code during the
   * upload: bench/README.md, "Upload: the CPU profile"). {@code jvm.gc.pause} (exported {@code
   * jvm_gc_pause_seconds_count} and {@code _sum}, which the Grafana dashboard plots) is read from
   * each collector's own count and time instead, at scrape time; the per-collection meters (bytes
   * allocated and promoted, live data size, overhead) are not exported.
   */
  static void registerJvm(MeterRegistry registry) {
    List.of(
            new ClassLoaderMetrics(),
            new JvmInfoMetrics(),
            new JvmMemoryMetrics(),
            new JvmThreadMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics())
        .forEach(binder -> binder.bindTo(registry));
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      FunctionTimer.builder(
              "jvm.gc.pause",
              collector,
              GarbageCollectorMXBean::getCollectionCount,
              GarbageCollectorMXBean::getCollectionTime,
              TimeUnit.MILLISECONDS)
          .description("collections and the time they took, by collector")
          .tag("gc", collector.getName())
          .register(registry);
    }
  }

  /**
   * Vert.x metrics with the route and event-bus address labels (few values in our services); never
   * the raw path, whose values are unbounded.
   */
  static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        // the JVM's meters are bound by registerJvm, without the notification-driven ones
        .setJvmMetricsEnabled(false)
        .addLabels(Label.HTTP_ROUTE, Label.EB_ADDRESS);
  }

  /**
   * The process registry for a service's own meters, or a throwaway one when metrics are off
   * (tests).
   */
  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry != null ? registry : new SimpleMeterRegistry();
  }
}
