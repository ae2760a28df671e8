package dev.switchboard.pg;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Which port the embedded server listens on. A port asked for is taken as it is. Otherwise the port
 * of the last start, remembered in the data directory, is taken again while it is free, so that the
 * DATABASE_URL that {@code switchboard db} printed (and that other processes were given) stays true
 * across starts; when another program holds it meanwhile, any free port is taken instead.
 */
final class ServerPort {

  /** Inside the data directory, so that a new data directory starts without one. */
  private static final String REMEMBERED = "switchboard.port";

  private final String host;
  private final Path file;
  private final int requested;

  /**
   * @param requested the port asked for, or 0 for the remembered one, else any free one
   */
  ServerPort(String host, Path dataDir, int requested) {
    this.host = host;
    this.file = dataDir.resolve(REMEMBERED);
    this.requested = requested;
  }

  /** Whether a start that lost its port to another program may try another one. */
  boolean mayChange() {
    return requested == 0;
  }

  /**
   * The port for the {@code attempt}-th try of one start: the preferred one first, then free ones.
   */
  int candidate(int attempt) throws IOException {
    if (requested != 0) {
      return requested;
    }
    OptionalInt remembered = remembered();
    if (attempt == 1 && remembered.isPresent() && isFree(remembered.getAsInt())) {
      return remembered.getAsInt();
    }
    return free();
  }

  /** Keeps the port the server got for the next start. */
  void remember(int port) throws IOException {
    Files.writeString(file, port + "\n");
  }

  private OptionalInt remembered() {
    try {
      int port = Integer.parseInt(Files.readString(file).trim());
      return port > 0 && port <= 65535 ? OptionalInt.of(port) : OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private int free() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    }
  }
}
