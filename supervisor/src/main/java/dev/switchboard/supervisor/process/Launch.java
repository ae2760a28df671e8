package dev.switchboard.supervisor.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to execute and where: the argv, the working directory and the whole environment, built fresh
 * for every start from the supervisor's own environment (without Switchboard's secrets) and the
 * definition's {@code env}, so a variable removed from a definition is gone at the next start.
 */
public record Launch(List<String> argv, Path cwd, Map<String, String> env) {

  /** Never handed to a child: Switchboard's own credentials. */
  static final Set<String> SECRETS = Set.of("ADMIN_TOKEN", "EMIT_TOKEN", "DATABASE_URL");

  public static Launch of(
      List<String> argv,
      String cwd,
      Map<String, String> definitionEnv,
      Map<String, String> markers,
      Path defaultCwd) {
    return of(System.getenv(), argv, cwd, definitionEnv, markers, defaultCwd);
  }

  static Launch of(
      Map<String, String> base,
      List<String> argv,
      String cwd,
      Map<String, String> definitionEnv,
      Map<String, String> markers,
      Path defaultCwd) {
    Map<String, String> env = new LinkedHashMap<>(base);
    env.keySet().removeAll(SECRETS);
    env.putAll(definitionEnv);
    env.putAll(markers);
    return new Launch(argv, cwd == null ? defaultCwd : defaultCwd.resolve(cwd), env);
  }

  /** Names the environment's variables, never their values (API keys among them). */
  @Override
  public String toString() {
    return "Launch[argv=" + argv + ", cwd=" + cwd + ", env=" + env.keySet() + "]";
  }

  /** Checks what can be checked before forking: the directory, and the program on PATH. */
  public void check() throws LaunchFailure {
    if (!Files.isDirectory(cwd)) {
      throw new LaunchFailure("working directory " + cwd + " does not exist");
    }
    String program = argv.get(0);
    if (program.contains("/")) {
      Path path = cwd.resolve(program);
      if (!Files.isRegularFile(path)) {
        throw new LaunchFailure("command not found: " + program);
      }
      if (!Files.isExecutable(path)) {
        throw new LaunchFailure("command is not executable: " + program);
      }
      return;
    }
    String pathVar = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : pathVar.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = cwd.resolve(dir).resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return;
      }
    }
    throw new LaunchFailure("command not found: " + program + " (searched PATH=" + pathVar + ")");
  }

  /**
   * Starts {@code command} (this launch's argv, or a wrapper around it) in this directory with this
   * environment and nothing on stdin; {@code pipes} keeps stdout and stderr readable by the caller,
   * otherwise they are discarded. Blocking (fork/exec).
   */
  Process start(List<String> command, boolean pipes) throws LaunchFailure {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(cwd.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (!pipes) {
      builder
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    builder.environment().clear();
    builder.environment().putAll(env);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new LaunchFailure("cannot start " + command.get(0) + ": " + e.getMessage());
    }
  }

  /** Starts the argv itself with its output discarded (a health command). */
  public Process startQuietly() throws LaunchFailure {
    return start(argv, false);
  }
}
