package dev.switchboard.app;

import dev.switchboard.common.config.Setting;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.mcp.McpServerDefinition;
import dev.switchboard.supervisor.definition.DeclaredServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What can be found wrong before anything starts: a port another program holds, two servers given
 * one port, a {@code services:} section the supervisor would refuse, an {@code mcp.servers} entry
 * mcp-host would refuse. Checked before the embedded PostgreSQL starts (which initialises
 * DATA_DIR/pg on a first start and takes seconds), so that a start that cannot succeed fails at
 * once, in one line naming the setting, and leaves nothing behind. The settings themselves are
 * checked earlier still, by the config loader.
 */
final class Preflight {

  /** The embedded PostgreSQL listens here, whatever BIND_HOST says. */
  private static final String DATABASE_HOST = "127.0.0.1";

  private Preflight() {}

  /**
   * @throws LaunchException naming the first problem found
   */
  static void check(JsonObject config, CommandLine commandLine) {
    Map<Setting, Integer> ports = ports(config, commandLine);
    checkDistinct(ports);
    ports.forEach(
        (setting, port) ->
            checkFree(
                setting == Setting.DB_PORT ? DATABASE_HOST : config.getString("bindHost"),
                port,
                setting));
    if (commandLine.command() == CommandLine.Command.RUN
        && commandLine.services().contains(Service.SUPERVISOR)) {
      checkDeclaredServices(config.getValue("services"));
    }
    if (commandLine.command() == CommandLine.Command.RUN
        && commandLine.services().contains(Service.MCP_HOST)) {
      try {
        McpServerDefinition.declared(
            config.getJsonObject("mcp", new JsonObject()).getValue("servers"));
      } catch (IllegalArgumentException e) {
        throw new LaunchException(e.getMessage());
      }
    }
  }

  /**
   * The ports this start will listen on, by the setting that gives each; 0 (any free port) left
   * out.
   */
  static Map<Setting, Integer> ports(JsonObject config, CommandLine commandLine) {
    Map<Setting, Integer> ports = new LinkedHashMap<>();
    boolean embeddedDatabase =
        commandLine.command() == CommandLine.Command.DB
            || commandLine.needsDatabase() && Setting.DATABASE_URL.get(config) == null;
    if (embeddedDatabase && Setting.DB_PORT.get(config) instanceof Integer port) {
      ports.put(Setting.DB_PORT, port);
    }
    if (commandLine.command() == CommandLine.Command.RUN) {
      if (commandLine.services().contains(Service.GATEWAY)) {
        ports.put(Setting.GATEWAY_PORT, (Integer) Setting.GATEWAY_PORT.get(config));
      }
      if (commandLine.services().contains(Service.WS_HUB)) {
        ports.put(Setting.HUB_PORT, (Integer) Setting.HUB_PORT.get(config));
      }
      if (commandLine.services().stream().noneMatch(Service::http)) {
        ports.put(Setting.OPS_PORT, (Integer) Setting.OPS_PORT.get(config));
      }
    }
    ports.values().removeIf(port -> port == 0);
    return ports;
  }

  private static void checkDistinct(Map<Setting, Integer> ports) {
    Map<Integer, Setting> byPort = new LinkedHashMap<>();
    ports.forEach(
        (setting, port) -> {
          Setting other = byPort.putIfAbsent(port, setting);
          if (other != null) {
            throw new LaunchException(
                other.envName()
                    + " and "
                    + setting.envName()
                    + " are both "
                    + port
                    + "; every server needs a port of its own");
          }
        });
  }

  private static void checkFree(String host, int port, Setting setting) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true); // as Vert.x's servers do: a port in TIME_WAIT is free to them
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
    } catch (IOException e) {
      throw new LaunchException(
          "cannot listen on "
              + host
              + ":"
              + port
              + " ("
              + setting.envName()
              + "): "
              + HttpServers.bindProblem(e));
    }
  }

  private static void checkDeclaredServices(Object section) {
    if (section == null) {
      return;
    }
    if (!(section instanceof JsonArray list)) {
      throw new LaunchException(
          "the services: section of the config file must be a list of service definitions");
    }
    try {
      DeclaredServices.parse(list);
    } catch (IllegalArgumentException e) {
      throw new LaunchException(e.getMessage());
    }
  }
}
