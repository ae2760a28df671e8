package dev.switchboard.hub;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Runs {@code src/test/node/driver.mjs}, the unmodified npm socket.io-client under remote control,
 * as a child process: each {@link #call} sends one command line and waits for its reply, and every
 * event a client sees is kept, in order, for {@link #await} and {@link #events}. Every wait is
 * bounded, the process has a hard timeout of its own, and {@link #close} kills it for sure. The hub
 * URL and tokens go through the environment.
 *
 * <p>Public and in ws-hub's test-jar so that app's end-to-end tests drive the same client through
 * nginx ({@link #start(Path, String, Map, Duration)}).
 */
public final class NodeDriver implements AutoCloseable {

  static final Path DIR = Path.of("src/test/node");
  public static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration HARD_TIMEOUT = Duration.ofSeconds(45);

  /**
   * Something a client saw: its name, the event and the arguments (binary as {@code {"$bin":
   * base64}}).
   */
  public record Event(int index, String client, String name, JsonArray args) {
    public Object arg(int i) {
      return args.getValue(i);
    }

    public JsonObject json(int i) {
      return args.getJsonObject(i);
    }
  }

  private final Process process;
  private final Writer stdin;
  private final AtomicLong seq = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonObject>> replies = new ConcurrentHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final StringBuffer stderr = new StringBuffer();
  private volatile boolean stdoutClosed;

  private NodeDriver(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread out = new Thread(this::readStdout, "node-driver-stdout");
    out.setDaemon(true);
    out.start();
    Thread err = new Thread(this::readStderr, "node-driver-stderr");
    err.setDaemon(true);
    err.start();
  }

  static NodeDriver start(int port, String adminToken, String viewerToken, String emitToken) {
    return start(
        DIR,
        "http://127.0.0.1:" + port,
        Map.of("ADMIN_TOKEN", adminToken, "VIEWER_TOKEN", viewerToken, "EMIT_TOKEN", emitToken),
        HARD_TIMEOUT);
  }

  /**
   * Runs the driver in {@code dir} (ws-hub's {@code src/test/node}, its npm dependencies installed)
   * against {@code hubUrl}, with {@code env} added (the tokens the driver's {@code token} names
   * stand for, {@code NODE_EXTRA_CA_CERTS}...), for at most {@code hardTimeout}.
   */
  public static NodeDriver start(
      Path dir, String hubUrl, Map<String, String> env, Duration hardTimeout) {
    if (!Files.isDirectory(dir.resolve("node_modules/socket.io-client"))) {
      throw new IllegalStateException(
          "run `npm ci` in "
              + dir.toAbsolutePath().normalize()
              + " (ws-hub's build does it in generate-test-resources)");
    }
    ProcessBuilder builder = new ProcessBuilder("node", "driver.mjs").directory(dir.toFile());
    builder.environment().put("HUB_URL", hubUrl);
    builder.environment().putAll(env);
    builder.environment().put("DRIVER_TIMEOUT_MS", Long.toString(hardTimeout.toMillis()));
    builder.environment().remove("DEBUG");
    try {
      return new NodeDriver(builder.start());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run node (Node 20+ must be on the PATH)", e);
    }
  }

  // ---- commands ----

  /** Runs a command and answers its result; fails the test when the driver reports an error. */
  public JsonObject call(String op, JsonObject params) {
    JsonObject reply = tryCall(op, params);
    if (!reply.getBoolean("ok")) {
      throw new AssertionError(
          "driver "
              + op
              + " "
              + params.encode()
              + " failed: "
              + reply.getString("error")
              + diagnostics());
    }
    return reply.getJsonObject("result");
  }

  /**
   * Runs a command and answers the whole reply: {@code {ok:true, result}} or {@code {ok:false,
   * error}}.
   */
  public JsonObject tryCall(String op, JsonObject params) {
    long id = seq.incrementAndGet();
    CompletableFuture<JsonObject> reply = new CompletableFuture<>();
    replies.put(id, reply);
    JsonObject command = params.copy().put("seq", id).put("op", op);
    try {
      synchronized (stdin) {
        stdin.write(command.encode());
        stdin.write('\n');
        stdin.flush();
      }
      return reply.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException | ExecutionException e) {
      throw new AssertionError("driver " + op + " failed" + diagnostics(), e);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "driver "
              + op
              + " "
              + params.encode()
              + " did not answer within "
              + WAIT.toMillis()
              + " ms"
              + diagnostics());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      replies.remove(id);
    }
  }

  /**
   * Connects a client; answers {@code {connected, id, recovered, transport}} or {@code
   * {connected:false, message, data}}.
   */
  public JsonObject connect(String client, String nsp, String token, JsonObject opts) {
    JsonObject params = new JsonObject().put("client", client).put("nsp", nsp).put("opts", opts);
    if (token != null) {
      params.put("token", token);
    }
    return call("connect", params);
  }

  /** Connects and fails the test unless the namespace accepted the client. */
  public JsonObject connected(String client, String nsp, String token, JsonObject opts) {
    JsonObject result = connect(client, nsp, token, opts);
    if (!result.getBoolean("connected")) {
      throw new AssertionError(client + " could not connect to " + nsp + ": " + result.encode());
    }
    return result;
  }

  /** The real {@code socket.emitWithAck}: the server's first ack argument. */
  public Object emitWithAck(String client, String event, Object... args) {
    return call(
            "emitWithAck",
            new JsonObject().put("client", client).put("event", event).put("args", array(args)))
        .getValue("ack");
  }

  public JsonObject ackOf(String client, String event, Object... args) {
    return (JsonObject) emitWithAck(client, event, args);
  }

  public void emit(String client, String event, Object... args) {
    call(
        "emit",
        new JsonObject().put("client", client).put("event", event).put("args", array(args)));
  }

  public void disconnect(String client) {
    call("disconnect", new JsonObject().put("client", client));
  }

  // ---- what the clients saw ----

  /** Waits for the first event of that name, from index {@code from} on, whose arguments match. */
  public Event await(String client, String name, int from, Predicate<JsonArray> match) {
    return awaitFirst(
        client,
        from,
        event -> event.name().equals(name) && match.test(event.args()),
        "'" + name + "' (matching)");
  }

  /** Waits for the first event of a client, from index {@code from} on, that matches. */
  public Event awaitFirst(String client, int from, Predicate<Event> match) {
    return awaitFirst(client, from, match, "a matching event");
  }

  private Event awaitFirst(String client, int from, Predicate<Event> match, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    synchronized (events) {
      while (true) {
        for (int i = from; i < events.size(); i++) {
          Event event = events.get(i);
          if (event.client().equals(client) && match.test(event)) {
            return event;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || stdoutClosed) {
          throw new AssertionError(
              client
                  + " never saw "
                  + what
                  + " within "
                  + WAIT.toMillis()
                  + " ms; it saw "
                  + seen(client)
                  + diagnostics());
        }
        try {
          events.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  public Event await(String client, String name) {
    return await(client, name, 0, args -> true);
  }

  public Event await(String client, String name, Predicate<JsonArray> match) {
    return await(client, name, 0, match);
  }

  /** Every event of that name a client saw so far, in order. */
  public List<Event> events(String client, String name) {
    synchronized (events) {
      return events.stream()
          .filter(e -> e.client().equals(client) && e.name().equals(name))
          .toList();
    }
  }

  /** Every event a client saw so far, in order. */
  public List<Event> events(String client) {
    synchronized (events) {
      return events.stream().filter(e -> e.client().equals(client)).toList();
    }
  }

  /**
   * How many events were seen so far, by any client: a mark for {@link #await(String, String, int,
   * Predicate)}.
   */
  public int mark() {
    synchronized (events) {
      return events.size();
    }
  }

  private String seen(String client) {
    List<String> names =
        events(client).stream()
            .map(e -> e.name() + e.args().encode())
            .map(s -> s.length() > 200 ? s.substring(0, 200) + "…" : s)
            .toList();
    return names.size() > 40
        ? names.subList(names.size() - 40, names.size()) + " (last 40 of " + names.size() + ")"
        : names.toString();
  }

  private String diagnostics() {
    String err = stderr.toString().strip();
    return (process.isAlive() ? "" : "\nnode exited with " + process.exitValue())
        + (err.isEmpty() ? "" : "\nnode stderr:\n" + err);
  }

  // ---- values ----

  /** Binary for the driver: {@code {"$bin": base64}}, a Buffer on the Node side. */
  static JsonObject bin(byte[] bytes) {
    return new JsonObject().put("$bin", Base64.getEncoder().encodeToString(bytes));
  }

  /** The bytes of a binary value a client saw; fails unless it was binary. */
  static byte[] bytes(Object value) {
    if (value instanceof JsonObject object
        && object.size() == 1
        && object.getValue("$bin") instanceof String base64) {
      return Base64.getDecoder().decode(base64);
    }
    throw new AssertionError("not a binary value: " + value);
  }

  /** The length of a long string a client saw (reported as {@code {"$str": length}}). */
  static int longStringLength(Object value) {
    if (value instanceof JsonObject object && object.getValue("$str") instanceof Number length) {
      return length.intValue();
    }
    throw new AssertionError("not a long string: " + value);
  }

  private static JsonArray array(Object... args) {
    JsonArray array = new JsonArray();
    for (Object arg : args) {
      array.add(arg instanceof Buffer buffer ? bin(buffer.getBytes()) : arg);
    }
    return array;
  }

  // ---- the process ----

  private void readStdout() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        JsonObject message;
        try {
          message = new JsonObject(line);
        } catch (RuntimeException e) {
          stderr.append("(stdout, not JSON) ").append(line).append('\n');
          continue;
        }
        if ("reply".equals(message.getString("type"))) {
          CompletableFuture<JsonObject> reply = replies.get(message.getLong("seq"));
          if (reply != null) {
            reply.complete(message);
          }
        } else {
          synchronized (events) {
            events.add(
                new Event(
                    events.size(),
                    message.getString("client"),
                    message.getString("event"),
                    message.getJsonArray("args")));
            events.notifyAll();
          }
        }
      }
    } catch (IOException ignored) {
      // the process went away
    } finally {
      synchronized (events) {
        stdoutClosed = true;
        events.notifyAll();
      }
      replies
          .values()
          .forEach(reply -> reply.completeExceptionally(new IOException("node exited")));
    }
  }

  private void readStderr() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        stderr.append(line).append('\n');
      }
    } catch (IOException ignored) {
      // the process went away
    }
  }

  /** Asks the driver to disconnect its clients and exit; kills it when it does not. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        tryCall("exit", new JsonObject());
      }
    } catch (AssertionError ignored) {
      // dying anyway
    }
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
