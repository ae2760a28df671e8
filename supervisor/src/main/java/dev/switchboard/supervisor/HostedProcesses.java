package dev.switchboard.supervisor;

import dev.switchboard.common.Trees;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.supervisor.logs.LogLine;
import dev.switchboard.supervisor.logs.LogQuery;
import dev.switchboard.supervisor.logs.LogReader;
import dev.switchboard.supervisor.logs.LogSource;
import dev.switchboard.supervisor.process.Fifos;
import dev.switchboard.supervisor.process.Launch;
import dev.switchboard.supervisor.process.OutputPipes;
import dev.switchboard.supervisor.process.ProcessUsage;
import dev.switchboard.supervisor.process.ServiceProcess;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes the supervisor runs for another service that talks to them over their stdin and stdout
 * (mcp-host's MCP servers): started and ended when that service asks ({@code
 * supervisor.processes.*}), never restarted by the supervisor (their owner has its own policy), but
 * otherwise held like managed services. Each runs in a session and process group of its own, in a
 * cgroup where there is a tree ({@link dev.switchboard.supervisor.process.Containment}); its stderr
 * goes into the log pipeline (source {@code hosted:<kind>:<name>}, read with {@code
 * supervisor.processes.logs} and live on {@code services.logs.<kind>:<name>}); its figures are
 * measured with the services'; and it is listed in {@code services.status} with {@code kind} and
 * {@code managedBy}. Its stdin and stdout are FIFOs in {@code DATA_DIR/run/hosted/<instance>/} that
 * the owner opens (so owner and supervisor share a machine, as managed processes and the supervisor
 * always do). When it exits, {@code supervisor.processes.exited} says so, with the code. Runs on
 * the supervisor's event loop.
 */
final class HostedProcesses {

  /** How many may run at once unless configured ({@code supervisor.processesMax}). */
  static final int DEFAULT_MAX = 256;

  private static final Logger LOG = LoggerFactory.getLogger(HostedProcesses.class);
  private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9:._-]{0,199}");
  private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration EXIT_AFTER_STOP = Duration.ofSeconds(2);
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(1);

  private final ServiceContext context;
  private final Path dir;
  private final int max;
  private final Map<String, Hosted> running = new TreeMap<>();
  private final Set<String> starting = new HashSet<>();

  HostedProcesses(ServiceContext context, Path dir, int max) {
    this.context = context;
    this.dir = dir;
    this.max = max;
  }

  /** One running process and what the supervisor keeps of it. */
  private final class Hosted implements StatsSampler.Measured {

    final String id;
    final String kind;
    final String owner;
    final List<String> command;
    final JsonObject labels;
    final ServiceProcess process;
    final OutputPipes pipes;
    final Path stdin;
    final Path runDir;
    final LogSource logs;
    final LogReader stderr;
    final ProcessStats stats = new ProcessStats();

    /** Completes once its exit is handled: off the list, its owner told. */
    final CompletableFuture<Void> gone = new CompletableFuture<>();

    boolean stopping;

    Hosted(
        String id,
        String kind,
        String owner,
        List<String> command,
        JsonObject labels,
        ServiceProcess process,
        OutputPipes pipes,
        Path stdin,
        Path runDir,
        LogSource logs,
        LogReader stderr) {
      this.id = id;
      this.kind = kind;
      this.owner = owner;
      this.command = command;
      this.labels = labels;
      this.process = process;
      this.pipes = pipes;
      this.stdin = stdin;
      this.runDir = runDir;
      this.logs = logs;
      this.stderr = stderr;
    }

    @Override
    public Optional<ServiceProcess> measurable() {
      return stopping || running.get(id) != this ? Optional.empty() : Optional.of(process);
    }

    @Override
    public void sample(ServiceProcess measured, ProcessUsage usage, long nanos) {
      Duration uptime = Duration.between(process.startedAt(), context.clock().instant());
      if (stats.sample(usage, nanos, uptime, 0)) {
        publish(this, "stats");
      }
    }

    JsonObject toJson() {
      JsonObject json =
          new JsonObject()
              .put("name", id)
              .put("kind", kind)
              .put("managedBy", owner)
              .put("command", new JsonArray(new ArrayList<>(command)))
              .put("labels", labels.copy())
              .put("state", stopping ? "stopping" : "running")
              // in the words of seed 000's connection monitor, as for a service
              .put("status", stopping ? "Disconnected" : "Connected")
              .put("since", process.startedAt().toString())
              .put("pid", process.pid())
              .put("pgid", process.pgid())
              .put("startedAt", process.startedAt().toString());
      process.cgroup().ifPresent(cgroup -> json.put("cgroup", cgroup.dir().toString()));
      if (stats.toJson() != null) {
        json.put("stats", stats.toJson());
      }
      return json;
    }
  }

  /** What the sampler measures besides the services. */
  Iterable<? extends StatsSampler.Measured> measured() {
    return List.copyOf(running.values());
  }

  /** Every running one, as {@code services.status} shows it. */
  List<JsonObject> list() {
    return running.values().stream().map(Hosted::toJson).toList();
  }

  /**
   * {@code {owner, kind, name, command, cwd?, env?, labels?}}: starts the process and answers
   * {@code {name, instance, pid, pgid, stdin, stdout}} once it runs (in its cgroup, if any). The
   * process opens its stdin when the owner opens the other end.
   */
  Future<JsonObject> spawn(JsonObject body) {
    String owner = text(body, "owner", OWNER, "a service name: letters, digits, '.', '_', '-'");
    String kind = text(body, "kind", KIND, "lower-case letters, digits and '-', up to 32");
    String name = text(body, "name", NAME, "letters, digits, ':', '.', '_', '-', up to 200");
    List<String> command = command(body);
    String cwd = body.getValue("cwd") instanceof String text ? text : null;
    if (body.getValue("cwd") != null && cwd == null) {
      throw ApiException.invalid("cwd", "must be a string");
    }
    Map<String, String> env = env(body);
    Object labelled = body.getValue("labels", new JsonObject());
    if (!(labelled instanceof JsonObject labels)) {
      throw ApiException.invalid("labels", "must be an object");
    }
    String id = kind + ":" + name;
    if (running.containsKey(id) || starting.contains(id)) {
      return Future.failedFuture(
          new ApiException(ErrorType.CONFLICT, "a process " + id + " runs already", "name"));
    }
    if (running.size() + starting.size() >= max) {
      return Future.failedFuture(
          new ApiException(
              ErrorType.CONFLICT,
              "at most " + max + " hosted processes may run at once (SUPERVISOR_PROCESSES_MAX)",
              (String) null));
    }
    starting.add(id);
    String instance = UUID.randomUUID().toString();
    Path runDir = dir.resolve(instance);
    Launch launch =
        Launch.of(
            command,
            cwd,
            env,
            Map.of(ServiceProcess.SERVICE_VAR, id, ServiceProcess.INSTANCE_VAR, instance),
            context.options().defaultCwd());
    String sourceId = "hosted:" + id;
    return context
        .logs()
        .open(sourceId, Addresses.serviceLogs(id), "serviceId", id)
        .compose(
            logs ->
                context
                    .blocking(() -> fork(launch, id, instance, runDir))
                    .map(
                        forked ->
                            started(
                                id,
                                kind,
                                owner,
                                command,
                                labels,
                                instance,
                                runDir,
                                logs,
                                forked.process(),
                                forked.pipes()))
                    .recover(
                        failure -> {
                          logs.note("[switchboard] " + ServiceLauncher.whyNotStarted(failure));
                          return context
                              .logs()
                              .close(sourceId)
                              .transform(
                                  closed ->
                                      Future.failedFuture(
                                          ApiException.invalid(
                                              "command", ServiceLauncher.whyNotStarted(failure))));
                        }))
        .onComplete(done -> starting.remove(id));
  }

  private ServiceLauncher.Forked fork(Launch launch, String id, String instance, Path runDir)
      throws Exception {
    OutputPipes pipes = OutputPipes.open(runDir);
    try {
      Fifos.ensure(runDir.resolve("stdin"));
      ServiceProcess process =
          context
              .options()
              .containment()
              .spawn(launch, "hosted." + instance, null, runDir.resolve("stdin"), pipes, instance);
      return new ServiceLauncher.Forked(process, pipes);
    } catch (Exception e) {
      pipes.close();
      Trees.delete(runDir);
      throw e;
    }
  }

  private JsonObject started(
      String id,
      String kind,
      String owner,
      List<String> command,
      JsonObject labels,
      String instance,
      Path runDir,
      LogSource logs,
      ServiceProcess process,
      OutputPipes pipes) {
    LogReader stderr =
        new LogReader(
                "log-" + id + "-err",
                () -> Fifos.openForReading(pipes.stderr()),
                logs,
                LogLine.STDERR,
                context.logs().options().maxLineBytes())
            .start();
    Hosted hosted =
        new Hosted(
            id,
            kind,
            owner,
            command,
            labels,
            process,
            pipes,
            runDir.resolve("stdin"),
            runDir,
            logs,
            stderr);
    running.put(id, hosted);
    logs.note("[switchboard] started for " + owner + " (pid " + process.pid() + ")");
    LOG.info("{}: started for {} (pid {})", id, owner, process.pid());
    context.whenDone(process.onExit(), code -> exited(hosted, code));
    publish(hosted, "state");
    return new JsonObject()
        .put("name", id)
        .put("instance", instance)
        .put("pid", process.pid())
        .put("pgid", process.pgid())
        .put("stdin", hosted.stdin.toString())
        .put("stdout", pipes.stdout().toString());
  }

  /**
   * The process is gone: what is left of its group or cgroup goes too, its stderr is read to the
   * end, and its owner hears the exit code on {@code supervisor.processes.exited}.
   */
  private void exited(Hosted hosted, Integer code) {
    String how = ServiceLauncher.describeExit(code);
    hosted.pipes.close();
    context
        .within(hosted.stderr.done(), DRAIN_LIMIT)
        .onComplete(
            drained -> {
              hosted.stderr.close();
              hosted.logs.note(
                  "[switchboard] " + how + (hosted.stopping ? " (stopped by its owner)" : ""));
              running.remove(hosted.id);
              if (!hosted.stopping) {
                LOG.info("{}: {}", hosted.id, how);
              }
              JsonObject exit =
                  new JsonObject()
                      .put("name", hosted.id)
                      .put("instance", hosted.process.instance())
                      .put("exitCode", code)
                      .put("reason", how);
              context.vertx().eventBus().publish(Addresses.SUPERVISOR_PROCESSES_EXITED, exit);
              context
                  .vertx()
                  .eventBus()
                  .publish(
                      Addresses.SERVICES_STATUS,
                      new JsonObject()
                          .put("name", hosted.id)
                          .put("kind", hosted.kind)
                          .put("managedBy", hosted.owner)
                          .put("state", "deleted")
                          .put("reason", how)
                          .put("update", "deleted"));
              context.logs().close("hosted:" + hosted.id);
              hosted.gone.complete(null);
              context
                  .blocking(
                      () -> {
                        // stragglers of its group or cgroup, then its FIFOs
                        hosted.process.terminate("KILL", Duration.ZERO);
                        Trees.delete(hosted.runDir);
                        return null;
                      })
                  .onFailure(
                      failure ->
                          LOG.warn(
                              "{}: cleaning up after the exit failed: {}",
                              hosted.id,
                              failure.toString()));
            });
  }

  /**
   * {@code {name, instance?}}: ends the process and everything it started (TERM, then KILL after
   * five seconds); answers once it has exited. {@code instance}, when given, must be the running
   * one: a stop meant for an earlier process does not end a new one.
   */
  Future<JsonObject> stop(JsonObject body) {
    Object name = body.getValue("name");
    Hosted hosted = name instanceof String id ? running.get(id) : null;
    Object instance = body.getValue("instance");
    if (hosted == null || (instance != null && !instance.equals(hosted.process.instance()))) {
      return Future.failedFuture(ApiException.notFound("no hosted process " + name + " runs"));
    }
    return stop(hosted)
        .map(outcome -> new JsonObject().put("name", hosted.id).put("outcome", outcome));
  }

  private Future<String> stop(Hosted hosted) {
    hosted.stopping = true;
    publish(hosted, "state");
    return context
        .blocking(() -> hosted.process.terminate("TERM", STOP_TIMEOUT))
        // answered once it is off the list (its exit handled), or after the time that takes at most
        .compose(
            outcome -> context.within(hosted.gone, EXIT_AFTER_STOP.plus(DRAIN_LIMIT)).map(outcome));
  }

  /**
   * {@code {owner}}: ends every process of that owner (it starts afresh and knows none of them);
   * answers how many.
   */
  Future<JsonObject> release(JsonObject body) {
    String owner = text(body, "owner", OWNER, "a service name");
    List<Hosted> owned = running.values().stream().filter(h -> h.owner.equals(owner)).toList();
    if (!owned.isEmpty()) {
      LOG.info("{}: ending {} process(es) left from its previous start", owner, owned.size());
    }
    return Future.join(owned.stream().map(this::stop).toList())
        .otherwiseEmpty()
        .map(v -> new JsonObject().put("stopped", owned.size()));
  }

  /** {@code {name, ...query}}: the stored stderr lines and notes of {@code <kind>:<name>}. */
  Future<JsonObject> logs(JsonObject body, LogQuery query, boolean tail) {
    Object name = body.getValue("name");
    if (!(name instanceof String id) || !id.contains(":") || !NAME.matcher(id).matches()) {
      throw ApiException.invalid("name", "must be a hosted process's name, <kind>:<name>");
    }
    String sourceId = "hosted:" + id;
    return (tail
            ? context.logs().tail(sourceId, query.limit())
            : context.logs().query(sourceId, query))
        .map(
            lines -> {
              JsonArray array = new JsonArray();
              lines.forEach(line -> array.add(line.toJson()));
              return new JsonObject().put("serviceId", id).put("lines", array);
            });
  }

  /** The supervisor stops: so does every hosted process. */
  Future<Void> shutdown() {
    return Future.join(List.copyOf(running.values()).stream().map(this::stop).toList())
        .otherwiseEmpty()
        .mapEmpty();
  }

  private void publish(Hosted hosted, String update) {
    context
        .vertx()
        .eventBus()
        .publish(Addresses.SERVICES_STATUS, hosted.toJson().put("update", update));
  }

  private static String text(JsonObject body, String field, Pattern pattern, String what) {
    Object value = body.getValue(field);
    if (!(value instanceof String text) || !pattern.matcher(text).matches()) {
      throw ApiException.invalid(field, "must be " + what);
    }
    return text;
  }

  private static List<String> command(JsonObject body) {
    Object value = body.getValue("command");
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw ApiException.invalid("command", "must be a non-empty array of strings (the argv)");
    }
    List<String> argv = new ArrayList<>();
    for (Object arg : array) {
      if (!(arg instanceof String text) || text.indexOf('\0') >= 0) {
        throw ApiException.invalid("command", "must hold strings without NUL");
      }
      argv.add(text);
    }
    return List.copyOf(argv);
  }

  private static Map<String, String> env(JsonObject body) {
    Object value = body.getValue("env", new JsonObject());
    if (!(value instanceof JsonObject object)) {
      throw ApiException.invalid("env", "must be an object of strings");
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : object) {
      if (!(entry.getValue() instanceof String text)
          || text.indexOf('\0') >= 0
          || entry.getKey().indexOf('\0') >= 0
          || entry.getKey().indexOf('=') >= 0) {
        throw ApiException.invalid(
            "env", "must be an object of strings without NUL or '=' in names");
      }
      env.put(entry.getKey(), text);
    }
    return env;
  }
}
