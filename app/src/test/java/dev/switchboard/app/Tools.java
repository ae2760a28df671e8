package dev.switchboard.app;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The production programs the deployment tests run for real (Debian's nginx and prometheus, and
 * systemd-analyze): found at their Debian paths, and a clear failure naming the package when one is
 * missing (.ci/run installs them).
 */
final class Tools {

  static final Path NGINX = Path.of("/usr/sbin/nginx");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");
  static final Path OPENSSL = Path.of("/usr/bin/openssl");
  static final Path SHELLCHECK = Path.of("/usr/bin/shellcheck");
  static final Path UNZIP = Path.of("/usr/bin/unzip");

  private Tools() {}

  /** The program, or a failure that says how to install it. */
  static Path require(Path program, String debianPackage) {
    if (!Files.isExecutable(program)) {
      fail(
          program
              + " is missing: install Debian's "
              + debianPackage
              + " (`apt-get install -y "
              + debianPackage
              + "`; .ci/run does)");
    }
    return program;
  }

  /** What a finished program said: its exit code and its output (stdout and stderr together). */
  record Result(int exit, String output) {}

  /** Runs a command to its end (at most 60 s), with {@code stdin} fed to it when not null. */
  static Result run(List<String> command, Path workDir, String stdin) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      if (workDir != null) {
        builder.directory(workDir.toFile());
      }
      Process process = builder.start();
      if (stdin != null) {
        try (var in = process.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      } else {
        process.getOutputStream().close();
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(command + " did not finish within 60 s: " + output);
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command, e);
    }
  }
}
