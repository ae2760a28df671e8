package dev.switchboard.app;

import dev.switchboard.common.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The parsed arguments of the {@code switchboard} command.
 *
 * @param services what to run: the ones named by {@code --services}, else every service that runs
 *     on this operating system
 * @param leftOut the services the default left out because they do not run on this operating system
 */
record CommandLine(
    Command command,
    Set<Service> services,
    Set<Service> leftOut,
    boolean cluster,
    Path configFile,
    int port) {

  enum Command {
    RUN,
    DB,
    CONFORMANCE,
    HELP
  }

  static final String USAGE =
      """
    Usage: switchboard [--services NAME,...] [--cluster] [--config FILE]
           switchboard db [--config FILE]
           switchboard conformance [--port 3000]

      (no command)        run the services (default: all that run on this OS) in this JVM
      db                  run only the embedded PostgreSQL and print its DATABASE_URL
      conformance         serve the Socket.IO / Engine.IO protocol test-suite fixture on 127.0.0.1
      --services LIST     comma-separated services to run: %s
      --cluster           join the Hazelcast cluster (CLUSTER_MEMBERS) over TCP; split deployments need DATABASE_URL
      --config FILE       YAML configuration (default: ./switchboard.yaml when present)
      --port N            the conformance fixture's port (default 3000)
      -h, --help          this text

    Settings come from the YAML file and the environment; see README.md for the list.
    """;

  /**
   * @param osName the {@code os.name} property, which decides the default services
   */
  static CommandLine parse(String osName, String... args) {
    Command command = Command.RUN;
    Set<Service> services = null;
    boolean cluster = false;
    Path config = ConfigLoader.DEFAULT_FILE;
    int port = 3000;
    List<String> rest = new ArrayList<>(List.of(args));
    for (int i = 0; i < rest.size(); i++) {
      String arg = rest.get(i);
      String inlineValue = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
      String name = inlineValue != null ? arg.substring(0, arg.indexOf('=')) : arg;
      switch (name) {
        case "db" -> command = Command.DB;
        case "conformance" -> command = Command.CONFORMANCE;
        case "--port" -> port = port(inlineValue != null ? inlineValue : value(rest, ++i, name));
        case "-h", "--help", "help" -> command = Command.HELP;
        case "--cluster" -> cluster = true;
        case "--services" ->
            services = services(inlineValue != null ? inlineValue : value(rest, ++i, name));
        case "--config" ->
            config = Path.of(inlineValue != null ? inlineValue : value(rest, ++i, name));
        default ->
            throw new IllegalArgumentException("unknown argument '" + arg + "' (try --help)");
      }
    }
    if (services == null) {
      Set<Service> runnable = EnumSet.noneOf(Service.class);
      Set<Service> leftOut = EnumSet.noneOf(Service.class);
      for (Service service : Service.values()) {
        (service.runsOn(osName) ? runnable : leftOut).add(service);
      }
      return new CommandLine(command, runnable, leftOut, cluster, config, port);
    }
    for (Service service : services) {
      if (!service.runsOn(osName)) {
        throw new IllegalArgumentException(
            "the "
                + service.serviceName()
                + " runs on Linux only, not on "
                + osName
                + " (see docs/supervisor.md); leave it out of --services");
      }
    }
    return new CommandLine(command, services, EnumSet.noneOf(Service.class), cluster, config, port);
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("--port needs a port number (0-65535), not '" + text + "'");
  }

  private static String value(List<String> args, int index, String option) {
    if (index >= args.size() || args.get(index).startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value (try --help)");
    }
    return args.get(index);
  }

  private static Set<Service> services(String list) {
    Set<Service> chosen = EnumSet.noneOf(Service.class);
    for (String name : list.split(",")) {
      String trimmed = name.trim();
      if (!trimmed.isEmpty()) {
        chosen.add(
            Service.named(trimmed)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "unknown service '"
                                + trimmed
                                + "'; the services are: "
                                + Service.names())));
      }
    }
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException(
          "--services names no service; the services are: " + Service.names());
    }
    return chosen;
  }

  /** The banner's line about the services the default left out on this operating system, if any. */
  Optional<String> leftOutNotice() {
    if (leftOut.isEmpty()) {
      return Optional.empty();
    }
    List<String> names = leftOut.stream().map(Service::serviceName).toList();
    return Optional.of(
        "Not started: " + String.join(", ", names) + " (Linux only; see docs/supervisor.md)");
  }

  boolean needsDatabase() {
    return services.stream().anyMatch(s -> s.schema().isPresent());
  }
}
