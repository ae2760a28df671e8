package dev.switchboard.app;

import dev.switchboard.files.FileProcessorVerticle;
import dev.switchboard.gateway.GatewayVerticle;
import dev.switchboard.hub.HubVerticle;
import dev.switchboard.mcp.McpHostVerticle;
import dev.switchboard.stats.SystemStatsVerticle;
import dev.switchboard.supervisor.SupervisorVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.ThreadingModel;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The services the launcher can run: what each is called, where its config lives, what it needs.
 */
enum Service {
  GATEWAY(
      GatewayVerticle.NAME,
      "gateway",
      "auth",
      ThreadingModel.EVENT_LOOP,
      true,
      GatewayVerticle::new),
  WS_HUB(HubVerticle.NAME, "hub", null, ThreadingModel.EVENT_LOOP, true, HubVerticle::new),
  SYSTEM_STATS(
      SystemStatsVerticle.NAME,
      "stats",
      "stats",
      ThreadingModel.WORKER,
      false,
      SystemStatsVerticle::new),
  SUPERVISOR(
      SupervisorVerticle.NAME,
      "supervisor",
      "supervisor",
      ThreadingModel.EVENT_LOOP,
      false,
      SupervisorVerticle::new),
  FILE_PROCESSOR(
      FileProcessorVerticle.NAME,
      "files",
      "files",
      ThreadingModel.EVENT_LOOP,
      true,
      FileProcessorVerticle::new),
  MCP_HOST(
      McpHostVerticle.NAME, "mcp", "mcp", ThreadingModel.EVENT_LOOP, true, McpHostVerticle::new);

  private final String serviceName;
  private final String configSection;
  private final String schema;
  private final ThreadingModel threading;
  private final boolean http;
  private final Supplier<Deployable> factory;

  Service(
      String serviceName,
      String configSection,
      String schema,
      ThreadingModel threading,
      boolean http,
      Supplier<Deployable> factory) {
    this.serviceName = serviceName;
    this.configSection = configSection;
    this.schema = schema;
    this.threading = threading;
    this.http = http;
    this.factory = factory;
  }

  String serviceName() {
    return serviceName;
  }

  String configSection() {
    return configSection;
  }

  /** The database schema the service owns and migrates, if it uses the database. */
  Optional<String> schema() {
    return Optional.ofNullable(schema);
  }

  ThreadingModel threading() {
    return threading;
  }

  /** Whether it serves HTTP (and with it the process's /health, /readiness and /metrics). */
  boolean http() {
    return http;
  }

  Supplier<Deployable> factory() {
    return factory;
  }

  /**
   * Whether it runs on the operating system of that name (the {@code os.name} property): the
   * supervisor needs Linux (process groups through {@code setsid}, FIFOs, {@code /proc}); the
   * others run wherever Java does.
   */
  boolean runsOn(String osName) {
    return this != SUPERVISOR || osName.toLowerCase(Locale.ROOT).startsWith("linux");
  }

  static Optional<Service> named(String name) {
    return Arrays.stream(values()).filter(s -> s.serviceName.equals(name)).findFirst();
  }

  static String names() {
    return String.join(", ", Arrays.stream(values()).map(Service::serviceName).toList());
  }
}
