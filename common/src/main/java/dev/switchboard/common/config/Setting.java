package dev.switchboard.common.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * Every setting Switchboard reads: its environment name, where it lives in the YAML file and in the
 * merged configuration, its kind and its default. This table is the single source of the config
 * reference in the README.
 */
public enum Setting {
  BIND_HOST("bindHost", Kind.HOST, "127.0.0.1", "address every server binds"),
  DATA_DIR("dataDir", Kind.PATH, "./data", "tokens, the embedded database, runtime files"),
  GATEWAY_PORT("gateway.port", Kind.PORT, 3006, "REST API port"),
  GATEWAY_AUDIT_RETENTION(
      "gateway.auditRetention",
      Kind.DURATION,
      "90d",
      "audit log entries older than this are deleted (pruned hourly)"),
  GATEWAY_AUDIT_MAX_ROWS(
      "gateway.auditMaxRows",
      Kind.POSITIVE_INT,
      100_000,
      "the audit log keeps at most this many entries, the newest (pruned hourly)"),
  HUB_PORT("hub.port", Kind.PORT, 3007, "Socket.IO hub port"),
  HUB_MAX_PAYLOAD(
      "hub.maxPayload",
      Kind.POSITIVE_INT,
      1_000_000,
      "largest Socket.IO message or polling POST, and largest /emit body, in bytes (maxHttpBufferSize)"),
  HUB_PING_INTERVAL("hub.pingInterval", Kind.DURATION, "25s", "Engine.IO heartbeat interval"),
  HUB_PING_TIMEOUT("hub.pingTimeout", Kind.DURATION, "20s", "how long the hub waits for a pong"),
  HUB_CONNECT_TIMEOUT(
      "hub.connectTimeout",
      Kind.DURATION,
      "10s",
      "a connection that joins no namespace in this time is closed (clients join at once; Node's 45 s"
          + " lets handshakes nobody follows up live too long)"),
  HUB_MAX_PENDING_SESSIONS(
      "hub.maxPendingSessions",
      Kind.POSITIVE_INT,
      10_000,
      "Engine.IO sessions that have joined no namespace yet, held at once (one address at most half); a handshake over it is answered 503"),
  HUB_RECOVERY_WINDOW(
      "hub.recoveryWindow",
      Kind.DURATION_OR_ZERO,
      "2m",
      "connection-state recovery: how long a dropped socket may come back and get what it missed; 0 turns recovery off"),
  HUB_RECOVERY_STORE(
      "hub.recoveryStore",
      List.of("auto", "local", "cluster"),
      "auto",
      "where recovery keeps sessions and broadcasts: local (this hub's memory) or cluster (the Hazelcast cluster, so a client whose hub died recovers on another); auto: cluster when clustered"),
  HUB_RELAY_POLLING(
      "hub.relayPolling",
      List.of("auto", "on", "off"),
      "auto",
      "a polling request for a session another hub owns is relayed to that hub over the cluster, so a load balancer needs no sticky sessions; auto: on when clustered"),
  HUB_EVENTS_PER_SECOND(
      "hub.eventsPerSecond", Kind.POSITIVE_INT, 50, "sustained events a client socket may send"),
  HUB_EVENT_BURST(
      "hub.eventBurst", Kind.POSITIVE_INT, 100, "events a client socket may send at once"),
  HUB_MAX_BUFFERED(
      "hub.maxBufferedBytes",
      Kind.POSITIVE_INT,
      4_194_304,
      "outbound backlog of one connection before it is dropped as a slow consumer"),
  HUB_MAX_ROOMS("hub.maxRoomsPerSocket", Kind.POSITIVE_INT, 100, "rooms one socket may join"),
  CONNECTIONS_MAX(
      "connections.max",
      Kind.POSITIVE_INT,
      null,
      "TCP connections all listeners of the process hold at once; unset: the open-files limit less a reserve (a tenth, at least 256)"),
  CONNECTIONS_PER_ADDRESS(
      "connections.perAddress",
      Kind.POSITIVE_INT,
      null,
      "TCP connections one remote address may hold at once; unset: half of CONNECTIONS_MAX"),
  CONNECTIONS_REQUEST_TIMEOUT(
      "connections.requestTimeout",
      Kind.DURATION,
      "10s",
      "a new connection that has not sent complete request headers in this time is closed"),
  TRANSPORT(
      "transport",
      List.of("auto", "epoll", "io_uring", "nio"),
      "auto",
      "network transport: auto (epoll on Linux, else NIO), epoll, io_uring or nio"),
  ALLOWED_HOSTS(
      "allowedHosts",
      Kind.LIST,
      List.of("localhost"),
      "host names (besides IP addresses and localhost) the servers answer to"),
  TRUSTED_PROXIES(
      "trustedProxies",
      Kind.LIST,
      null,
      "proxies (addresses or CIDR blocks, such as 127.0.0.1) whose X-Forwarded-For names the client: the limits per address and the audit log count that client; none by default"),
  CORS_ORIGINS(
      "hub.corsOrigins",
      Kind.LIST,
      null,
      "browser origins allowed on the hub and the REST API (* for any); unset: the gateway's own, http://127.0.0.1:GATEWAY_PORT and http://localhost:GATEWAY_PORT"),
  EMIT_TOKEN(
      "auth.emitToken",
      Kind.SECRET,
      null,
      "token for POST /emit; unset: generated into DATA_DIR/emit.token"),
  OPS_PORT(
      "ops.port",
      Kind.PORT,
      3008,
      "/health, /readiness and /metrics of a process that runs no HTTP service"),
  DATABASE_URL(
      "database.url",
      Kind.DATABASE_URL,
      null,
      "PostgreSQL URL; unset: embedded server in DATA_DIR/pg"),
  DATABASE_POOL_SIZE("database.poolSize", Kind.POSITIVE_INT, 4, "connections per service pool"),
  DB_PORT(
      "database.port",
      Kind.PORT,
      null,
      "port of the embedded PostgreSQL; unset: the port of its last start while free (kept in DATA_DIR/pg), else a free one"),
  ADMIN_TOKEN(
      "auth.adminToken",
      Kind.SECRET,
      null,
      "admin token; unset: generated into DATA_DIR/admin.token"),
  VIEWER_TOKEN(
      "auth.viewerToken", Kind.SECRET, null, "viewer token (reads only); unset: no viewer token"),
  OPERATOR_TOKEN(
      "auth.operatorToken",
      Kind.SECRET,
      null,
      "operator token (reads, start, stop, restart, deploy, confirm; no definitions or tokens); unset: no operator token"),
  CLUSTER_NAME(
      "cluster.name",
      Kind.STRING,
      "switchboard",
      "Hazelcast cluster name; only members with the same name join"),
  CLUSTER_MEMBERS(
      "cluster.members",
      Kind.LIST,
      List.of("127.0.0.1"),
      "Hazelcast TCP-IP members (host or host:port)"),
  CLUSTER_PORT("cluster.port", Kind.PORT, 5701, "first Hazelcast port; the next free one is taken"),
  CLUSTER_HOST(
      "cluster.host", Kind.HOST, "127.0.0.1", "interface Hazelcast and the event bus bind"),
  CLUSTER_CONFIG(
      "cluster.config",
      Kind.PATH,
      null,
      "a Hazelcast YAML or XML file giving the cluster name and TCP-IP member list instead of CLUSTER_NAME and CLUSTER_MEMBERS; CLUSTER_HOST and CLUSTER_PORT still apply"),
  CLUSTER_TLS_CERT(
      "cluster.tls.cert",
      Kind.PATH,
      null,
      "PEM certificate this process shows on the clustered event bus; with CLUSTER_TLS_KEY and CLUSTER_TLS_CA (all three or none) the event bus is TLS with a certificate on both ends"),
  CLUSTER_TLS_KEY("cluster.tls.key", Kind.PATH, null, "the PEM private key of CLUSTER_TLS_CERT"),
  CLUSTER_TLS_CA(
      "cluster.tls.ca",
      Kind.PATH,
      null,
      "PEM certificate of the CA every peer's event bus certificate must chain to"),
  STATS_INTERVAL("stats.interval", Kind.DURATION, "10s", "host sampling interval"),
  STATS_RAW_RETENTION("stats.retention.raw", Kind.DURATION, "24h", "how long raw samples are kept"),
  STATS_ROLLUP_RETENTION(
      "stats.retention.rollups", Kind.DURATION, "30d", "how long one-minute rollups are kept"),
  STATS_NVIDIA_SMI(
      "stats.nvidiaSmi", Kind.STRING, "nvidia-smi", "the nvidia-smi command used for GPU stats"),
  SUPERVISOR_ORPHANS(
      "supervisor.orphans",
      List.of("adopt", "stop"),
      "adopt",
      "a managed process still running when the supervisor starts: adopt it, or stop it"),
  SUPERVISOR_ON_SHUTDOWN(
      "supervisor.onShutdown",
      List.of("stop", "leave"),
      "stop",
      "when Switchboard stops: stop the managed services (in reverse dependency order), or leave them running for the next start to adopt"),
  SUPERVISOR_CGROUPS(
      "supervisor.cgroups",
      List.of("auto", "off"),
      "auto",
      "auto: each managed service in a cgroup v2 of its own where one can be made (a stop ends everything in it; exact CPU and memory; maxMemory as memory.max); off: process groups only"),
  SUPERVISOR_SERVICES_MAX(
      "supervisor.servicesMax",
      Kind.POSITIVE_INT,
      200,
      "managed services that may be defined; creating one more is answered 409 (each service's name is a metric label)"),
  SUPERVISOR_PROCESSES_MAX(
      "supervisor.processesMax",
      Kind.POSITIVE_INT,
      256,
      "processes the supervisor may run at once for other services (mcp-host's MCP servers); one more is refused"),
  SUPERVISOR_STATS_INTERVAL(
      "supervisor.statsInterval",
      Kind.DURATION,
      "5s",
      "how often per-process CPU, memory and threads are measured and published"),
  SUPERVISOR_DEPENDENCY_TIMEOUT(
      "supervisor.dependencyTimeout",
      Kind.DURATION,
      "5m",
      "how long a service waits for its dependencies before it fails"),
  SUPERVISOR_LOG_MAX_LINES(
      "supervisor.logs.maxLines",
      Kind.POSITIVE_INT,
      100_000,
      "log lines kept per service or deployment"),
  SUPERVISOR_LOG_MAX_BYTES(
      "supervisor.logs.maxBytes",
      Kind.POSITIVE_INT,
      64 * 1024 * 1024,
      "bytes of log text kept per service or deployment; the oldest lines go first"),
  SUPERVISOR_LOG_MAX_AGE(
      "supervisor.logs.maxAge", Kind.DURATION, "7d", "log lines older than this are deleted"),
  SUPERVISOR_LOG_MAX_LINE(
      "supervisor.logs.maxLineBytes",
      Kind.POSITIVE_INT,
      16 * 1024,
      "longest line kept whole (256 to 65536 bytes); a longer one is cut once, with a marker of how many bytes were cut"),
  SUPERVISOR_LOG_BUFFER(
      "supervisor.logs.bufferLines",
      Kind.POSITIVE_INT,
      20_000,
      "lines of one service waiting for the database; beyond it lines are dropped and counted"),
  MCP_PORT(
      "mcp.port",
      Kind.PORT,
      3010,
      "mcp-host's HTTP port (Streamable HTTP at /mcp/{server}); the gateway forwards its /mcp/ to it"),
  MCP_URL(
      "mcp.url",
      Kind.STRING,
      null,
      "where the gateway reaches mcp-host's HTTP server; unset: http://127.0.0.1:MCP_PORT"),
  MCP_MAX_SESSIONS(
      "mcp.maxSessions",
      Kind.POSITIVE_INT,
      1000,
      "MCP client sessions held at once; an initialize over it is answered 503"),
  MCP_MAX_WEBSOCKETS(
      "mcp.maxWebSockets",
      Kind.POSITIVE_INT,
      256,
      "connections to mcp-host's WebSocket transport (/ws/mcp/{server}) open at once; an upgrade over it is answered 429"),
  MCP_SESSION_TIMEOUT(
      "mcp.sessionTimeout",
      Kind.DURATION,
      "30m",
      "an MCP session with no request and no open stream for this long is forgotten (its client gets 404 and initializes again)"),
  MCP_CALLS_RETENTION(
      "mcp.callsRetention",
      Kind.DURATION,
      "30d",
      "records of MCP tools/call (GET /api/v1/mcp/calls) older than this are deleted (pruned hourly)"),
  MCP_CALLS_MAX_ROWS(
      "mcp.callsMaxRows",
      Kind.POSITIVE_INT,
      100_000,
      "records of MCP tools/call kept at most, the newest (pruned hourly)"),
  MCP_CLIENT_REQUEST_TIMEOUT(
      "mcp.clientRequestTimeout",
      Kind.DURATION,
      "5m",
      "how long an MCP client has to answer a request of a server passed on to it (sampling, elicitation, roots); then the server gets an error"),
  MCP_REPLAY_EVENTS(
      "mcp.replayEvents",
      Kind.POSITIVE_INT,
      256,
      "SSE events each MCP session keeps for a client that resumes a stream with Last-Event-ID"),
  MCP_REPLAY_BYTES(
      "mcp.replayBytes",
      Kind.SIZE,
      "1M",
      "bytes of SSE events each MCP session keeps for a client that resumes a stream with Last-Event-ID"),
  MCP_PROCESSES(
      "mcp.processes",
      List.of("auto", "supervisor", "own"),
      "auto",
      "who runs stdio MCP servers: the supervisor (process groups or cgroups, stderr in its log, listed on /services), the host itself, or auto: the supervisor when one is deployed"),
  FILES_PORT(
      "files.port",
      Kind.PORT,
      3009,
      "file-processor's HTTP port (uploads, tus, asset content); the gateway forwards /api/v1/files, /api/v1/uploads and /api/v1/assets to it"),
  FILES_URL(
      "files.url",
      Kind.STRING,
      null,
      "where the gateway reaches file-processor's HTTP server; unset: http://127.0.0.1:FILES_PORT"),
  FILES_WORKERS(
      "files.workers",
      Kind.POSITIVE_INT,
      null,
      "files processed at once; unset: the number of cores"),
  FILES_MAX_UPLOAD("files.maxUpload", Kind.SIZE, "1G", "largest upload (413 beyond it)"),
  FILES_UPLOAD_EXPIRY(
      "files.uploadExpiry",
      Kind.DURATION,
      "24h",
      "a resumable (tus) upload that receives no bytes for this long is deleted (Upload-Expires, moved on by every PATCH)"),
  FILES_ALLOWED_TYPES(
      "files.allowedTypes",
      Kind.LIST,
      null,
      "media types that may be kept (image/*, a trailing * matches a family); unset: images, PDF, text, CSV, JSON, audio and video"),
  FILES_LIBRARY(
      "files.library",
      Kind.PATH,
      null,
      "where confirmed assets are moved; unset: DATA_DIR/library"),
  FILES_STEP_TIMEOUT(
      "files.stepTimeout",
      Kind.DURATION,
      "30s",
      "longest one processing step (type detection, hashing, parsing, a thumbnail) may take before the file fails"),
  FILES_RETENTION(
      "files.retention",
      Kind.DURATION,
      "30d",
      "rejected and failed assets' rows older than this are deleted"),
  WATCH_ROOTS(
      "files.watch.roots",
      Kind.LIST,
      null,
      "directories /files watches may look into; unset: the library (FILES_LIBRARY)"),
  WATCH_MAX(
      "files.watch.max", Kind.POSITIVE_INT, 64, "directory watches held at once (all sockets)"),
  WATCH_MAX_DIRECTORIES(
      "files.watch.maxDirectories",
      Kind.POSITIVE_INT,
      10_000,
      "directories one recursive watch may cover");

  /** How a raw value (a YAML scalar or an environment string) becomes a configuration value. */
  public enum Kind {
    STRING,
    SECRET,
    HOST,
    PATH,
    PORT,
    POSITIVE_INT,
    DURATION,
    /** A size in bytes as people write it ({@code 1G}, {@code 512M}), a {@code long}. */
    SIZE,
    /** One of the setting's {@link #choices()}. */
    CHOICE,
    /** A duration, or {@code 0} to turn the feature it sizes off. */
    DURATION_OR_ZERO,
    LIST,
    DATABASE_URL
  }

  private final String path;
  private final Kind kind;
  private final Object defaultValue;
  private final String description;
  private final List<String> choices;

  Setting(String path, Kind kind, Object defaultValue, String description) {
    this(path, kind, List.of(), defaultValue, description);
  }

  /**
   * A setting of kind {@link Kind#CHOICE}: the config loader refuses any other value, so that a
   * misspelt one stops the start before anything runs rather than when its service deploys.
   */
  Setting(String path, List<String> choices, String defaultValue, String description) {
    this(path, Kind.CHOICE, choices, defaultValue, description);
  }

  Setting(String path, Kind kind, List<String> choices, Object defaultValue, String description) {
    this.path = path;
    this.kind = kind;
    this.choices = choices;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  public String envName() {
    return name();
  }

  /** Dotted location in the merged configuration, e.g. {@code gateway.port}. */
  public String path() {
    return path;
  }

  public Kind kind() {
    return kind;
  }

  public Optional<Object> defaultValue() {
    return Optional.ofNullable(defaultValue);
  }

  public String description() {
    return description;
  }

  /** The values a {@link Kind#CHOICE} setting may take; empty for other kinds. */
  public List<String> choices() {
    return choices;
  }

  /** Reads this setting's value from a merged configuration, or null when it is unset. */
  public Object get(JsonObject config) {
    String[] parts = path.split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1 && node != null; i++) {
      Object child = node.getValue(parts[i]);
      node = child instanceof JsonObject json ? json : null;
    }
    return node == null ? null : node.getValue(parts[parts.length - 1]);
  }

  /** Writes this setting's value into a configuration, creating the intermediate objects. */
  void put(JsonObject config, Object value) {
    String[] parts = path.split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.getValue(parts[i]);
      if (!(child instanceof JsonObject)) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = (JsonObject) child;
    }
    node.put(parts[parts.length - 1], value instanceof List<?> list ? new JsonArray(list) : value);
  }
}
