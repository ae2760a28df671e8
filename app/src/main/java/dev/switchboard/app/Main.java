package dev.switchboard.app;

import dev.switchboard.common.Failures;
import dev.switchboard.common.config.ConfigException;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The {@code switchboard} command. Starts what was asked for, prints a banner, and on SIGTERM or
 * Ctrl-C stops everything (verticles, pools, the embedded database) and exits 0. A start that fails
 * prints one line naming the problem and exits non-zero.
 */
public final class Main {

  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    PrintStream out = System.out;
    CommandLine commandLine;
    try {
      commandLine = CommandLine.parse(System.getProperty("os.name"), args);
    } catch (IllegalArgumentException e) {
      System.err.println("switchboard: " + e.getMessage());
      System.exit(EXIT_USAGE);
      return;
    }
    if (commandLine.command() == CommandLine.Command.HELP) {
      out.printf(CommandLine.USAGE, Service.names());
      return;
    }
    Launcher launcher = new Launcher(commandLine, System.getenv(), out);
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable stop =
        () -> {
          if (stopping.compareAndSet(false, true)) {
            launcher.stop();
          }
        };
    // a signal handler rather than only a shutdown hook: the JVM would otherwise exit 143 on
    // SIGTERM
    Signal.handle(new Signal("TERM"), signal -> stopAndExit(stop));
    Signal.handle(new Signal("INT"), signal -> stopAndExit(stop));
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "switchboard-shutdown"));
    try {
      launcher.start();
    } catch (ConfigException | LaunchException e) {
      fail(e.getMessage(), stop);
    } catch (RuntimeException e) {
      LOG.debug("start failed", e);
      fail("failed to start: " + Failures.describe(e), stop);
    }
    // Vert.x's threads keep a running JVM alive; `db` has none, so main waits for the signal
    awaitSignal();
  }

  private static void awaitSignal() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void stopAndExit(Runnable stop) {
    stop.run();
    System.exit(0);
  }

  private static void fail(String message, Runnable stop) {
    System.err.println("switchboard: " + message);
    stop.run();
    System.exit(EXIT_FAILURE);
  }
}
