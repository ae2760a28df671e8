package dev.switchboard.supervisor.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The variables of a service's {@code envFrom} files, read at every start so that secrets stay in
 * files the operator owns and never in the database. Each file is dotenv: {@code KEY=value} lines,
 * blank lines and {@code #} comments skipped, an optional {@code export } before the key, and a
 * value in matching single or double quotes taken without them; nothing is expanded. A later file
 * wins over an earlier one. Messages name the file and the line, never a value.
 */
public final class EnvFiles {

  /** Larger than any environment a process could be given: a file this big is a mistake. */
  static final long MAX_BYTES = 1 << 20;

  private static final Pattern LINE =
      Pattern.compile("(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(.*)");

  private EnvFiles() {}

  /** The variables of {@code paths}, in order; blocking. */
  public static Map<String, String> read(List<String> paths) throws LaunchFailure {
    Map<String, String> env = new LinkedHashMap<>();
    for (String path : paths) {
      env.putAll(read(Path.of(path)));
    }
    return env;
  }

  static Map<String, String> read(Path file) throws LaunchFailure {
    List<String> lines;
    try {
      if (Files.exists(file) && !Files.isRegularFile(file)) {
        // a FIFO or a device would block the reading worker, or never end
        throw new LaunchFailure("envFrom file " + file + " is not a regular file");
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new LaunchFailure("envFrom file " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new LaunchFailure("envFrom file " + file + " cannot be read: " + why(e));
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher matcher = LINE.matcher(line);
      if (!matcher.matches() || matcher.group(2).indexOf('\0') >= 0) {
        throw new LaunchFailure("envFrom file " + file + ", line " + (i + 1) + ": not KEY=value");
      }
      env.put(matcher.group(1), unquoted(matcher.group(2)));
    }
    return env;
  }

  private static String unquoted(String value) {
    if (value.length() >= 2
        && (value.charAt(0) == '"' || value.charAt(0) == '\'')
        && value.charAt(value.length() - 1) == value.charAt(0)) {
      return value.substring(1, value.length() - 1);
    }
    return value;
  }

  private static String why(IOException e) {
    return e instanceof NoSuchFileException
        ? "no such file"
        : e instanceof AccessDeniedException ? "permission denied" : e.toString();
  }
}
