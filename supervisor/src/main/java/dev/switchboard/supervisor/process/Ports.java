package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who listens on a TCP port: the listening sockets of {@code /proc/net/tcp} and {@code tcp6}, and
 * the process holding one of them (found through {@code /proc/<pid>/fd}, when this user may look).
 * A port nobody lists may still be taken by a process we cannot see, so a connect attempt on
 * loopback is the last word. Blocking.
 */
public final class Ports {

  /** A port in use, and its owner when it could be found. */
  public record Owner(int port, Integer pid, String command) {

    public String describe() {
      return "port "
          + port
          + " is already in use"
          + (pid == null ? "" : " by pid " + pid + " (" + command + ")");
    }
  }

  private static final int LISTEN = 0x0A;

  private Ports() {}

  public static Optional<Owner> inUse(int port) {
    Set<String> inodes = listeningInodes(port);
    if (!inodes.isEmpty()) {
      return Optional.of(ownerOf(port, inodes));
    }
    if (Files.isReadable(ProcTable.PROC.resolve("net/tcp"))) {
      return Optional.empty();
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return Optional.of(new Owner(port, null, null));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Socket inodes listening on {@code port} on any address. */
  static Set<String> listeningInodes(int port) {
    Set<String> inodes = new HashSet<>();
    for (String table : List.of("net/tcp", "net/tcp6")) {
      try {
        for (String line : Files.readAllLines(ProcTable.PROC.resolve(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length < 10 || !f[1].contains(":")) {
            continue;
          }
          int localPort = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
          if (localPort == port && isListen(f[3])) {
            inodes.add(f[9]);
          }
        }
      } catch (IOException | NumberFormatException e) {
        // this table is missing (no IPv6) or unreadable: the other may still answer
      }
    }
    return inodes;
  }

  private static boolean isListen(String state) {
    try {
      return Integer.parseInt(state, 16) == LISTEN;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static Owner ownerOf(int port, Set<String> inodes) {
    Set<String> links = new HashSet<>();
    inodes.forEach(inode -> links.add("socket:[" + inode + "]"));
    for (ProcTable.Proc proc : ProcTable.read().all()) {
      try (DirectoryStream<Path> fds =
          Files.newDirectoryStream(ProcTable.PROC.resolve(proc.pid() + "/fd"))) {
        for (Path fd : fds) {
          try {
            if (links.contains(Files.readSymbolicLink(fd).toString())) {
              return new Owner(port, proc.pid(), commandLine(proc));
            }
          } catch (IOException e) {
            // the descriptor closed while we looked
          }
        }
      } catch (IOException e) {
        // not ours to look at, or gone
      }
    }
    return new Owner(port, null, null);
  }

  private static String commandLine(ProcTable.Proc proc) {
    try {
      String cmdline =
          new String(Files.readAllBytes(ProcTable.PROC.resolve(proc.pid() + "/cmdline")))
              .replace('\0', ' ')
              .trim();
      return cmdline.isEmpty()
          ? proc.comm()
          : cmdline.length() > 200 ? cmdline.substring(0, 200) + "…" : cmdline;
    } catch (IOException e) {
      return proc.comm();
    }
  }
}
