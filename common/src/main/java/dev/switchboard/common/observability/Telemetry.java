package dev.switchboard.common.observability;

import io.micrometer.core.instrument.MeterRegistry;
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

/**
 * One Prometheus registry per process, wired into Vert.x metrics. All services of a process share
 * it, so it carries the common tag {@code service} naming what the process runs.
 */
public final class Telemetry {

  private Telemetry() {}

  /** A Vert.x builder whose metrics go to a new Prometheus registry tagged with {@code service}. */
  public static VertxBuilder vertxBuilder(String service, VertxOptions options) {
    return Vertx.builder()
        .with(options.setMetricsOptions(metricsOptions()))
        .withMetrics(new MicrometerMetricsFactory(newRegistry(service)));
  }

  static PrometheusMeterRegistry newRegistry(String service) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", service);
    return registry;
  }

  /**
   * Vert.x metrics with the route and event-bus address labels (few values in our services); never
   * the raw path, whose values are unbounded.
   */
  static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
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
