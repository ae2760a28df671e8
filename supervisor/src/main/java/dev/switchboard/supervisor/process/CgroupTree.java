package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's own cgroup v2 sub-tree, {@code <the supervisor's cgroup>/switchboard-<id>}, with
 * one child cgroup per running service. The id comes from the run directory, so two installations
 * on one host keep apart and a restarted supervisor finds its tree again. The tree itself holds no
 * process, which is what cgroup v2 asks of a cgroup that hands controllers (memory) to its
 * children. Blocking: run it on a worker.
 */
final class CgroupTree {

  /** Found, or why not. */
  sealed interface Detected permits Found, Missing {}

  record Found(CgroupTree tree) implements Detected {}

  record Missing(String reason) implements Detected {}

  /**
   * Where the cgroup v2 file system is mounted, and which cgroup is its root (not {@code /} when a
   * container mounted only its own part of the hierarchy).
   */
  record Hierarchy(Path mountPoint, String mountRoot) {

    /**
     * The directory of a cgroup as {@code /proc/<pid>/cgroup} names it; empty when it lies outside
     * this mount.
     */
    Optional<Path> dir(String cgroup) {
      String path = cgroup;
      if (!mountRoot.equals("/")) {
        if (!(path.equals(mountRoot) || path.startsWith(mountRoot + "/"))) {
          return Optional.empty();
        }
        path = path.substring(mountRoot.length());
      }
      String relative = path.replaceFirst("^/+", "");
      return Optional.of(relative.isEmpty() ? mountPoint : mountPoint.resolve(relative));
    }
  }

  /**
   * The scratch cgroup of {@link #tryMove}: a name no service can have (service names have no '_').
   */
  private static final String PROBE = "_probe";

  private final Hierarchy hierarchy;
  private final Path root;
  private final boolean memoryMax;

  private CgroupTree(Hierarchy hierarchy, Path root, boolean memoryMax) {
    this.hierarchy = hierarchy;
    this.root = root;
    this.memoryMax = memoryMax;
  }

  /**
   * Finds the cgroup v2 mount and the supervisor's cgroup in it from {@code /proc/self}, creates
   * the tree {@code name} there, and proves it usable: {@code cgroup.kill} exists (Linux 5.14) and
   * a process can be moved in. Enables the memory controller for the services when the tree has it.
   */
  static Detected create(String name) {
    Optional<Hierarchy> hierarchy;
    Optional<Path> own;
    try {
      hierarchy =
          hierarchy(
              Files.readAllLines(ProcTable.PROC.resolve("self/mountinfo"), StandardCharsets.UTF_8));
      own = hierarchy.flatMap(h -> cgroupOf(ProcTable.PROC.resolve("self")).flatMap(h::dir));
    } catch (IOException e) {
      return new Missing("cannot read /proc/self: " + e.getMessage());
    }
    if (hierarchy.isEmpty()) {
      return new Missing("no cgroup v2 file system is mounted");
    }
    if (own.isEmpty()) {
      return new Missing("this process is not in the mounted part of the cgroup v2 hierarchy");
    }
    Path root = own.get().resolve(name);
    try {
      Files.createDirectory(root);
    } catch (FileAlreadyExistsException e) {
      // left by an earlier run of this installation: used again
    } catch (IOException e) {
      return new Missing("cannot create " + root + " (" + e.getMessage() + ")");
    }
    if (!Files.exists(root.resolve("cgroup.kill"))) {
      release(root);
      return new Missing("the kernel has no cgroup.kill (Linux 5.14 or later is needed)");
    }
    Optional<String> unusable = tryMove(root.resolve(PROBE));
    if (unusable.isPresent()) {
      release(root);
      return new Missing(unusable.get());
    }
    return new Found(new CgroupTree(hierarchy.get(), root, enableMemory(root)));
  }

  /** The first {@code cgroup2} mount of a {@code /proc/<pid>/mountinfo}. */
  static Optional<Hierarchy> hierarchy(List<String> mountinfo) {
    for (String line : mountinfo) {
      int dash = line.indexOf(" - ");
      if (dash >= 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
        String[] fields = line.substring(0, dash).split(" ");
        return Optional.of(new Hierarchy(Path.of(unescape(fields[4])), unescape(fields[3])));
      }
    }
    return Optional.empty();
  }

  /**
   * The cgroup v2 path of a process: the {@code 0::} line of its {@code cgroup} file; empty when it
   * is gone.
   */
  static Optional<String> cgroupOf(Path procDir) {
    try {
      return Files.readAllLines(procDir.resolve("cgroup"), StandardCharsets.UTF_8).stream()
          .filter(l -> l.startsWith("0::"))
          .map(l -> l.substring(3))
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** mountinfo writes space, tab, newline and backslash as three octal digits after a backslash. */
  private static String unescape(String field) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\'
          && i + 3 < field.length()
          && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        text.append(c);
      }
    }
    return text.toString();
  }

  /**
   * Moves a short-lived shell into a scratch cgroup the way a service joins its own; empty when
   * that works.
   */
  private static Optional<String> tryMove(Path scratch) {
    try {
      Files.createDirectories(scratch);
      Process shell =
          new ProcessBuilder(
                  "/bin/sh",
                  "-c",
                  "echo $$ > \"$1\"",
                  "probe",
                  scratch.resolve("cgroup.procs").toString())
              .redirectErrorStream(true)
              .start();
      String output =
          new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      boolean moved = shell.waitFor(10, TimeUnit.SECONDS) && shell.exitValue() == 0;
      // the shell has exited: the scratch cgroup is empty again
      new Cgroup(scratch, false).terminate("KILL", Duration.ofSeconds(2));
      return moved
          ? Optional.empty()
          : Optional.of("cannot move a process into " + scratch + ": " + output);
    } catch (IOException | RuntimeException e) {
      return Optional.of("cannot move a process into " + scratch + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while trying " + scratch);
    }
  }

  /**
   * Hands the memory controller to the services' cgroups when the tree has it; false when it
   * cannot.
   */
  private static boolean enableMemory(Path root) {
    if (!Cgroup.lines(root.resolve("cgroup.controllers")).stream()
        .anyMatch(l -> List.of(l.split(" ")).contains("memory"))) {
      return false;
    }
    try {
      Cgroup.write(root.resolve("cgroup.subtree_control"), "+memory");
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Removes an empty tree; one that still holds cgroups stays. */
  static void release(Path root) {
    try {
      Files.deleteIfExists(root.resolve(PROBE));
      Files.deleteIfExists(root);
    } catch (IOException e) {
      // a service's cgroup is still there (left running): the tree stays for the next start
    }
  }

  Path root() {
    return root;
  }

  /** Whether {@code memory.max} can be set on the services' cgroups. */
  boolean memoryMax() {
    return memoryMax;
  }

  /** The cgroup of {@code service}'s launches, whether or not it exists now. */
  Cgroup service(String service) {
    return new Cgroup(root.resolve(service), false);
  }

  /**
   * A fresh, empty cgroup for a launch of {@code service}, with {@code memory.max} set to {@code
   * maxMemory} (and the whole cgroup ended at once when the kernel runs out of it there) when the
   * memory controller is there and a limit is given.
   */
  Cgroup create(String service, Long maxMemory) throws LaunchFailure {
    Cgroup left = service(service);
    if (Files.exists(left.dir()) && "stuck".equals(left.terminate("KILL", Duration.ZERO))) {
      throw new LaunchFailure(
          "cgroup " + left.dir() + " still holds processes that SIGKILL did not end");
    }
    Path dir = left.dir();
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw new LaunchFailure("cannot create cgroup " + dir + ": " + e.getMessage());
    }
    boolean limited = memoryMax && maxMemory != null;
    if (limited) {
      Cgroup.write(dir.resolve("memory.max"), String.valueOf(maxMemory));
      Cgroup.write(dir.resolve("memory.oom.group"), "1");
    }
    return new Cgroup(dir, limited);
  }

  /**
   * The cgroup {@code pid} is in, if it is a service cgroup of this tree (found by name, so it is
   * found again when the supervisor itself came back in another cgroup).
   */
  Optional<Cgroup> of(int pid) {
    Optional<Path> dir =
        cgroupOf(ProcTable.PROC.resolve(String.valueOf(pid))).flatMap(hierarchy::dir);
    if (dir.isEmpty()
        || dir.get().getParent() == null
        || !dir.get().getParent().getFileName().equals(root.getFileName())
        || !Files.isDirectory(dir.get())) {
      return Optional.empty();
    }
    boolean limited =
        Cgroup.lines(dir.get().resolve("memory.max")).stream()
            .anyMatch(l -> !l.trim().equals("max"));
    return Optional.of(new Cgroup(dir.get(), limited));
  }
}
