package dev.switchboard.supervisor.process;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the processes of a service are held together, so that a stop ends all of them: each service
 * in a cgroup (v2) of its own where the supervisor can make one ({@code cgroup}), otherwise a
 * process group plus the instance marker in the environment ({@code process-group}), which a
 * process that calls {@code setsid} and drops the marker escapes. Chosen once, when the supervisor
 * starts. Blocking methods: run them on a worker.
 */
public final class Containment {

  public static final String CGROUP = "cgroup";
  public static final String PROCESS_GROUP = "process-group";

  private static final Logger LOG = LoggerFactory.getLogger(Containment.class);

  private final CgroupTree tree;
  private final String reason;

  private Containment(CgroupTree tree, String reason) {
    this.tree = tree;
    this.reason = reason;
  }

  /**
   * With {@code mode} {@code auto}, a cgroup tree for the services of the installation whose run
   * directory is {@code runDir} when cgroup v2 is there and writable; with {@code off}, process
   * groups. Blocking.
   */
  public static Containment detect(String mode, Path runDir) {
    if (!mode.equals("auto") && !mode.equals("off")) {
      throw new IllegalArgumentException(
          "SUPERVISOR_CGROUPS (supervisor.cgroups) must be auto or off, not '" + mode + "'");
    }
    CgroupTree.Detected detected =
        mode.equals("off")
            ? new CgroupTree.Missing("turned off (supervisor.cgroups: off)")
            : CgroupTree.create(treeName(runDir));
    if (detected instanceof CgroupTree.Found found) {
      LOG.info(
          "managed services run in cgroups under {}{}",
          found.tree().root(),
          found.tree().memoryMax()
              ? " (maxMemory is memory.max)"
              : " (no memory controller there: maxMemory is checked every statsInterval)");
      return new Containment(found.tree(), null);
    }
    String why = ((CgroupTree.Missing) detected).reason();
    LOG.info("managed services run in process groups, not cgroups: {}", why);
    return new Containment(null, why);
  }

  /** {@code switchboard-} and a short hash of the run directory: one tree per installation. */
  static String treeName(Path runDir) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  runDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      return "switchboard-" + HexFormat.of().formatHex(hash, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** {@value #CGROUP} or {@value #PROCESS_GROUP}. */
  public String method() {
    return tree == null ? PROCESS_GROUP : CGROUP;
  }

  /**
   * The method, with the cgroup tree and how {@code maxMemory} is held, or why there is no cgroup.
   */
  public JsonObject describe() {
    JsonObject json = new JsonObject().put("method", method());
    if (tree == null) {
      return json.put("reason", reason)
          .put(
              "maxMemory",
              "restart when the resident memory is over it (checked every statsInterval)");
    }
    return json.put("cgroup", tree.root().toString())
        .put(
            "maxMemory",
            tree.memoryMax()
                ? "memory.max (the kernel ends the service at the limit)"
                : "restart when the resident memory is over it (checked every statsInterval; no memory controller in the cgroup tree)");
  }

  /**
   * Starts a launch of {@code service}, in a fresh cgroup of its own when there is a tree. Blocking
   * (fork/exec).
   */
  public ServiceProcess spawn(
      Launch launch, String service, Long maxMemory, OutputPipes output, String instance)
      throws LaunchFailure {
    return spawn(launch, service, maxMemory, null, output, instance);
  }

  /**
   * As {@link #spawn(Launch, String, Long, OutputPipes, String)}, with the process's stdin read
   * from the FIFO {@code stdin} (a process another service talks to, such as an MCP server).
   */
  public ServiceProcess spawn(
      Launch launch,
      String service,
      Long maxMemory,
      Path stdin,
      OutputPipes output,
      String instance)
      throws LaunchFailure {
    Cgroup cgroup = tree == null ? null : tree.create(service, maxMemory);
    try {
      return ServiceProcess.spawn(
          launch,
          "switchboard-" + service,
          stdin,
          output.stdout(),
          output.stderr(),
          instance,
          cgroup);
    } catch (LaunchFailure e) {
      if (cgroup != null) {
        cgroup.remove();
      }
      throw e;
    }
  }

  /**
   * The recorded process if it is still ours (see {@link ServiceProcess#adopt}), with the cgroup it
   * runs in. Blocking.
   */
  public Optional<ServiceProcess> adopt(
      int pid, long startTicks, String instance, Instant startedAt) {
    return ServiceProcess.adopt(
        pid, startTicks, instance, startedAt, tree == null ? Optional.empty() : tree.of(pid));
  }

  /**
   * Ends what is left in {@code service}'s cgroup from a run whose main process is gone
   * (grandchildren of a crashed supervisor's service) and removes the cgroup. Blocking.
   */
  public void endLeftovers(String service) {
    if (tree == null) {
      return;
    }
    Cgroup left = tree.service(service);
    if (Files.exists(left.dir())) {
      if (left.populated()) {
        LOG.info(
            "service {}: ending the processes left in {} by a previous supervisor",
            service,
            left.dir());
      }
      left.terminate("TERM", Duration.ofSeconds(10));
    }
  }

  /**
   * Supervisor stopping: removes the tree unless a service left running still has its cgroup there.
   * Blocking.
   */
  public void release() {
    if (tree != null) {
      CgroupTree.release(tree.root());
    }
  }
}
