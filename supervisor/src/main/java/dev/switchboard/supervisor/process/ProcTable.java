package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of the host's processes read from {@code /proc}: enough to tell which processes belong
 * to a process group, what they cost, and whether a PID still names the process it named when it
 * was started (its start time, in clock ticks since boot, does not change and is not reused while
 * the machine runs). Blocking; call it off the event loop.
 */
public final class ProcTable {

  /** One process: the fields of {@code /proc/<pid>/stat} the supervisor uses. */
  public record Proc(
      int pid,
      char state,
      int ppid,
      int pgrp,
      int session,
      long cpuTicks,
      int threads,
      long rssBytes,
      long startTicks,
      String comm) {

    /** A zombie or dead entry: it has exited and only waits to be reaped. */
    public boolean exited() {
      return state == 'Z' || state == 'X' || state == 'x';
    }
  }

  static final Path PROC = Path.of("/proc");

  /** USER_HZ: the unit of times in /proc/<pid>/stat; 100 on every Linux port that matters. */
  static final long TICKS_PER_SECOND = 100;

  private static final long PAGE_SIZE = 4096;

  private final List<Proc> procs;

  private ProcTable(List<Proc> procs) {
    this.procs = procs;
  }

  public static boolean available() {
    return Files.isReadable(PROC.resolve("self/stat"));
  }

  public static ProcTable read() {
    List<Proc> procs = new ArrayList<>();
    try (DirectoryStream<Path> dirs =
        Files.newDirectoryStream(PROC, entry -> isPid(entry.getFileName().toString()))) {
      for (Path dir : dirs) {
        stat(Integer.parseInt(dir.getFileName().toString())).ifPresent(procs::add);
      }
    } catch (IOException e) {
      // no /proc: an empty table, and callers fall back on what Java's ProcessHandle knows
    }
    return new ProcTable(List.copyOf(procs));
  }

  /** One process, read now; empty when it is gone. */
  public static Optional<Proc> stat(int pid) {
    try {
      String text = Files.readString(PROC.resolve(pid + "/stat"), StandardCharsets.ISO_8859_1);
      return Optional.of(parse(pid, text));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Parses a stat line. The command name is in parentheses and may itself hold spaces and
   * parentheses, so the fields are counted from the last ')'.
   */
  static Proc parse(int pid, String text) {
    int open = text.indexOf('(');
    int close = text.lastIndexOf(')');
    String comm = text.substring(open + 1, close);
    String[] f = text.substring(close + 2).trim().split(" ");
    // f[0] is field 3 (state); field n is f[n - 3]
    return new Proc(
        pid,
        f[0].charAt(0),
        Integer.parseInt(f[1]),
        Integer.parseInt(f[2]),
        Integer.parseInt(f[3]),
        Long.parseLong(f[11]) + Long.parseLong(f[12]),
        Integer.parseInt(f[17]),
        Long.parseLong(f[21]) * PAGE_SIZE,
        Long.parseLong(f[19]),
        comm);
  }

  public List<Proc> all() {
    return procs;
  }

  /** The live processes whose group is {@code pgid} (zombies have exited: they do not count). */
  public List<Proc> group(int pgid) {
    return procs.stream().filter(p -> p.pgrp() == pgid && !p.exited()).toList();
  }

  public Optional<Proc> pid(int pid) {
    return procs.stream().filter(p -> p.pid() == pid).findFirst();
  }

  /**
   * Whether {@code pid} carries {@code NAME=value} in its environment (readable for our own user,
   * or as root).
   */
  public static boolean hasEnv(int pid, String name, String value) {
    try {
      byte[] environ = Files.readAllBytes(PROC.resolve(pid + "/environ"));
      String wanted = name + "=" + value;
      for (String entry : new String(environ, StandardCharsets.UTF_8).split("\0")) {
        if (entry.equals(wanted)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Processes outside any of the given groups that carry the marker: the ones that left their group
   * with setsid.
   */
  public List<Proc> escaped(int pgid, String name, String value) {
    return procs.stream()
        .filter(p -> p.pgrp() != pgid && !p.exited() && hasEnv(p.pid(), name, value))
        .toList();
  }

  private static boolean isPid(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
