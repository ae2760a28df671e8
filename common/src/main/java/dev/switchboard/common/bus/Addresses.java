package dev.switchboard.common.bus;

/**
 * Event-bus addresses, dotted lower case. Streams are published; commands are requests answered
 * with a JSON body or failed with an HTTP-like status code (see {@link Bus}).
 */
public final class Addresses {

  /** Stream: every host sample, as published by system-stats. */
  public static final String STATS_SYSTEM = "stats.system";

  /** Command: the latest sample. */
  public static final String STATS_LATEST = "stats.latest";

  /**
   * Command: {@code {from, to, step}} (ISO instants, step "raw" or a duration) → history points.
   */
  public static final String STATS_HISTORY = "stats.history";

  /** Command: static host facts (OS, CPU, memory, GPUs, versions). */
  public static final String STATS_INFO = "stats.info";

  /**
   * Stream: what every hub node delivers to its own sockets ({@code {namespace, room?, event, data,
   * volatile?}}).
   */
  public static final String HUB_BROADCAST = "hub.broadcast";

  /**
   * Command prefix: {@code hub.relay.<node>} is answered by the hub node whose Engine.IO session
   * ids start with {@code <node>}; another hub that gets a polling request for such a session sends
   * it there ({@code {method, uri, origin?, host?, contentType?, body?}} → {@code {status, type,
   * body}}).
   */
  public static final String HUB_RELAY = "hub.relay";

  /**
   * Command, answered by the gateway: who a named API token or a sign-in JWT speaks for ({@code
   * {token}} → {@code {name, role, expiresAt?, origin?, session?}}; 401 when unknown, expired or
   * revoked). {@code origin} is what a revocation of the named token it is (or was bought with)
   * names, {@code session} what the end of a JWT's session (a sign-out) names.
   */
  public static final String AUTH_VERIFY = "auth.verify";

  /**
   * Stream: a named token was revoked, or a sign-in JWT's session signed out ({@code {key,
   * origin?}}: {@code key} the SHA-256 of the token or JWT in hex, {@code origin} the tag {@code
   * auth.verify} answered as {@code origin} or {@code session}, {@code token:<id>} or {@code
   * session:<sid>}): every service forgets it, and whatever it names, at once.
   */
  public static final String AUTH_REVOKED = "auth.revoked";

  /**
   * Fire and forget, consumed by the gateway: one entry of the audit log from another service (the
   * hub's control events), {@code {at?, actor, role, action, target?, outcome, detail?, address?}}
   * (outcome {@code ok}, {@code refused} or {@code failed}); stored with {@code via: "hub"}.
   */
  public static final String AUDIT_RECORD = "audit.record";

  /** Stream: managed-service state changes. */
  public static final String SERVICES_STATUS = "services.status";

  /** Command: every managed service with its state, {@code {services: [...], timestamp}}. */
  public static final String SUPERVISOR_SERVICES_STATUS = "supervisor.services.status";

  /** Command: {@code {name}} → the service, started (dependencies first). */
  public static final String SUPERVISOR_SERVICES_START = "supervisor.services.start";

  /** Command: {@code {name}} → the service, once its process group is empty. */
  public static final String SUPERVISOR_SERVICES_STOP = "supervisor.services.stop";

  /** Command: {@code {name}} → the service, stopped and started again. */
  public static final String SUPERVISOR_SERVICES_RESTART = "supervisor.services.restart";

  /** Command: probes every running service's health now → the status list. */
  public static final String SUPERVISOR_SERVICES_REFRESH = "supervisor.services.refresh";

  /**
   * Command: {@code {name, envValues?}} → the service, the values of its {@code env} masked unless
   * {@link #ENV_VALUES} is true (which the gateway asks only for a role that may read secrets).
   */
  public static final String SUPERVISOR_SERVICES_GET = "supervisor.services.get";

  /**
   * The field of a {@link #SUPERVISOR_SERVICES_GET} request that asks for the env values in clear.
   */
  public static final String ENV_VALUES = "envValues";

  /** Command: a service definition → the service, created (409 when the name is taken). */
  public static final String SUPERVISOR_SERVICES_CREATE = "supervisor.services.create";

  /** Command: {@code {name, definition}} → the service with its definition replaced. */
  public static final String SUPERVISOR_SERVICES_UPDATE = "supervisor.services.update";

  /** Command: {@code {name}}: stops the service and forgets it, logs included. */
  public static final String SUPERVISOR_SERVICES_DELETE = "supervisor.services.delete";

  /** Command: {@code {name, limit?}} → its state transitions, newest first. */
  public static final String SUPERVISOR_SERVICES_EVENTS = "supervisor.services.events";

  /**
   * Command: {@code {name, since?, until?, stream?, q?, after?, limit?, tail?}} → {@code
   * {serviceId, lines}}.
   */
  public static final String SUPERVISOR_SERVICES_LOGS = "supervisor.services.logs";

  /** Command: {@code {service, steps, definition?, healthTimeout?}} → the deployment, queued. */
  /**
   * Command: {@code {owner, kind, name, command, cwd?, env?, labels?}} → {@code {name, instance,
   * pid, pgid, stdin, stdout}}: the supervisor runs a process another service talks to over its
   * stdin and stdout (FIFOs at the paths answered); {@code name} in the answer is {@code
   * <kind>:<name>}.
   */
  public static final String SUPERVISOR_PROCESSES_SPAWN = "supervisor.processes.spawn";

  /** Command: {@code {name, instance?}} → {@code {name, outcome}} once the process has exited. */
  public static final String SUPERVISOR_PROCESSES_STOP = "supervisor.processes.stop";

  /** Command: {@code {owner}} → {@code {stopped}}: ends every process of a restarting owner. */
  public static final String SUPERVISOR_PROCESSES_RELEASE = "supervisor.processes.release";

  /** Command: {@code {name, ...log query}} → the stderr lines and notes of a hosted process. */
  public static final String SUPERVISOR_PROCESSES_LOGS = "supervisor.processes.logs";

  /**
   * Stream, published by the supervisor: {@code {name, instance, exitCode, reason}} when a hosted
   * process has exited ({@code exitCode} null when it is not known).
   */
  public static final String SUPERVISOR_PROCESSES_EXITED = "supervisor.processes.exited";

  public static final String SUPERVISOR_DEPLOYMENTS_CREATE = "supervisor.deployments.create";

  /** Command: {@code {service?, limit?}} → {@code {deployments}}, newest first. */
  public static final String SUPERVISOR_DEPLOYMENTS_LIST = "supervisor.deployments.list";

  /** Command: {@code {id}} → the deployment with its steps. */
  public static final String SUPERVISOR_DEPLOYMENTS_GET = "supervisor.deployments.get";

  /** Command: {@code {id, ...log query}} → {@code {deploymentId, lines}}. */
  public static final String SUPERVISOR_DEPLOYMENTS_LOGS = "supervisor.deployments.logs";

  /** Command: {@code {id}}: cancels a queued or running deployment. */
  public static final String SUPERVISOR_DEPLOYMENTS_CANCEL = "supervisor.deployments.cancel";

  /** Stream: deployment state changes. */
  public static final String DEPLOYMENTS_STATUS = "deployments.status";

  /**
   * Command: {@code {path, recursive?, exclude?, holder}} → {@code {watchId, path}}; one watch per
   * path, recursion and exclusions, shared by every holder (a socket) that asks for it.
   */
  public static final String FILES_WATCH = "files.watch";

  /** Command: {@code {watchId, holder}}; the holder leaves, the watch ends with its last one. */
  public static final String FILES_UNWATCH = "files.unwatch";

  /**
   * Stream: an asset's state changes, {@code {id, state, name, ...}}; the hub's {@code
   * asset:state}.
   */
  public static final String FILES_ASSETS = "files.assets";

  /**
   * Stream: upload progress, {@code {uploadId, name, received, total, seq}}; the hub's {@code
   * upload:progress}.
   */
  public static final String FILES_UPLOADS = "files.uploads";

  /** Command: {@code {state?, type?, name?, hash?, limit?, offset?}} → {@code {assets, total}}. */
  public static final String FILES_ASSETS_LIST = "files.assets.list";

  /** Command: {@code {id}} → the asset with its metadata. */
  public static final String FILES_ASSETS_GET = "files.assets.get";

  /** Command: {@code {hashes}} → {@code {known: {hash: asset}, missing: [hash]}}. */
  public static final String FILES_ASSETS_CHECK = "files.assets.check";

  /** Command: {@code {ids, by}} → {@code {results: [{id, ok, asset | error}]}}. */
  public static final String FILES_ASSETS_CONFIRM = "files.assets.confirm";

  /** Command: {@code {ids, by}} → {@code {results: [{id, ok, asset | error}]}}. */
  public static final String FILES_ASSETS_REJECT = "files.assets.reject";

  /** Command: {@code {id}}: deletes an asset, its bytes and its thumbnails. */
  public static final String FILES_ASSETS_DELETE = "files.assets.delete";

  /** Command, answered by mcp-host: every MCP server definition with its instances. */
  public static final String MCP_SERVERS_LIST = "mcp.servers.list";

  /** Command: {@code {name}} → the MCP server with its instances; 404 when unknown. */
  public static final String MCP_SERVERS_GET = "mcp.servers.get";

  /**
   * Command, answered by mcp-host for {@code GET /api/v1/mcp/calls}: {@code {server?, tool?,
   * project?, outcome?, caller?, since?, until?, limit?, before?}} (the query parameters, as
   * strings) → {@code {calls, next}}, newest first; 400 naming a bad filter.
   */
  public static final String MCP_CALLS_LIST = "mcp.calls.list";

  /**
   * Command: {@code {name, project?, ...log query}} → the log of the server's instance for that
   * project (its stderr and the supervisor's notes), when the supervisor runs its instances.
   */
  public static final String MCP_SERVERS_LOGS = "mcp.servers.logs";

  /** Command: {@code {definition}} → the new MCP server; 409 when the name is taken. */
  public static final String MCP_SERVERS_CREATE = "mcp.servers.create";

  /** Command: {@code {name, definition}} → the MCP server, its instances stopped if it changed. */
  public static final String MCP_SERVERS_UPDATE = "mcp.servers.update";

  /** Command: {@code {name}} → {@code {name, state: "deleted"}}; its instances are stopped. */
  public static final String MCP_SERVERS_DELETE = "mcp.servers.delete";

  /**
   * Command, answered by mcp-host for the hub's {@code mcp:servers}: {@code {}} → {@code {servers:
   * [{name, description, pool, state, instances: [{project, state}], tools}]}}; {@code tools} as a
   * running instance lists them (the last list seen when none runs, null when never seen).
   */
  public static final String MCP_SOCKET_SERVERS = "mcp.socket.servers";

  /**
   * Command, answered by mcp-host for the hub's {@code mcp:request}: {@code {holder, server,
   * project?, message, caller?}} → {@code {response}} (null for a notification). The holder (a
   * socket id) gets one MCP session per server and project, opened by its first message; {@code
   * caller} ({@code {name, role}}, never a token) is who the socket connected as, for the call
   * audit.
   */
  public static final String MCP_SOCKET_REQUEST = "mcp.socket.request";

  /** Fire and forget, consumed by mcp-host: {@code {holder}} is gone; its sessions end. */
  public static final String MCP_SOCKET_RELEASE = "mcp.socket.release";

  /**
   * Stream, published by mcp-host: a notification of an MCP server for the hub's sockets, {@code
   * {id, server, project, room, holders, message}}: to the room and to the holders (socket ids)
   * whose request or session it concerns.
   */
  public static final String MCP_SOCKET_NOTIFICATIONS = "mcp.socket.notifications";

  private static final String PING_PREFIX = "switchboard.ping.";

  private Addresses() {}

  /**
   * Stream: log lines of one managed service, {@code {serviceId, lines}}, ending with {@code
   * {serviceId, closed: true}}.
   */
  public static String serviceLogs(String serviceId) {
    return "services.logs." + serviceId;
  }

  /** Stream: output of one deployment, like {@link #serviceLogs}. */
  public static String deploymentLogs(String deploymentId) {
    return "deployments.logs." + deploymentId;
  }

  /** Stream: changes seen by one directory watch. */
  public static String fileChanges(String watchId) {
    return "files.changes." + watchId;
  }

  /**
   * Command every service answers when it and what it depends on (its database) are usable; the
   * readiness check of a process pings the services it runs.
   */
  public static String ping(String service) {
    return PING_PREFIX + service;
  }
}
