package dev.switchboard.common.net;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The process's limit on open files ({@code RLIMIT_NOFILE}): every connection, pooled database
 * connection, pipe of a managed process and open log file takes one, so the connection limits are
 * sized from it. Read from {@code /proc/self/limits} on Linux (soft and hard); elsewhere the JVM
 * reports the soft limit only, and both are taken to be it.
 *
 * @param soft the limit in force
 * @param hard the ceiling the soft limit may be raised to ({@link Long#MAX_VALUE} for unlimited)
 */
public record OpenFiles(long soft, long hard) {

  private static final Path LIMITS = Path.of("/proc/self/limits");

  /** This process's limit, or empty when neither the kernel nor the JVM tells it. */
  public static Optional<OpenFiles> current() {
    try {
      for (String line : Files.readAllLines(LIMITS)) {
        if (line.startsWith("Max open files")) {
          String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
          return Optional.of(new OpenFiles(parse(fields[0]), parse(fields[1])));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or a /proc that does not read: ask the JVM below
    }
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long soft = unix.getMaxFileDescriptorCount();
      return Optional.of(new OpenFiles(soft, soft));
    }
    return Optional.empty();
  }

  private static long parse(String field) {
    return field.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(field);
  }

  /**
   * E.g. {@code 20000 open files (the hard limit)} or {@code 1024 open files (hard limit 4096)}.
   */
  public String describe() {
    return soft
        + " open files"
        + (soft == hard
            ? " (the hard limit)"
            : " (hard limit " + (hard == Long.MAX_VALUE ? "unlimited" : hard) + ")");
  }
}
