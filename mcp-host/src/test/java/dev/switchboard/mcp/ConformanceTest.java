package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official MCP conformance suite (npm {@code @modelcontextprotocol/conformance} 0.1.9, its
 * active server scenarios) against the host's Streamable HTTP endpoint. The suite sends no
 * credential: it talks to a small reverse proxy of the test that adds one, so no endpoint is ever
 * opened without a credential.
 */
class ConformanceTest {

  private static final Path NODE = Path.of("src/test/node").toAbsolutePath();
  private static final Path SUITE = NODE.resolve("node_modules/@modelcontextprotocol/conformance");
  private static final Pattern SCENARIO =
      Pattern.compile("^([✓✗]) ([a-z0-9-]+): (\\d+) passed, (\\d+) failed", Pattern.MULTILINE);

  /**
   * The scenarios that pass against server-everything 2025.9.12's own Streamable HTTP mode ({@code
   * node dist/index.js streamableHttp}, measured with the same suite): the tools, resources and
   * prompts the others call ({@code test_*}) are not server-everything's.
   */
  static final Set<String> EVERYTHING_DIRECT =
      Set.of(
          "server-initialize",
          "logging-set-level",
          "ping",
          "completion-complete",
          "tools-list",
          "server-sse-multiple-streams",
          "resources-list",
          "prompts-list");

  private McpFixture fixture;

  /**
   * The suite's working directory: its output and its {@code results/} (a checks.json per scenario,
   * some 200 KB in all), kept when the test fails.
   */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path work;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void inFrontOfServerEverythingTheHostPassesWhatServerEverythingPassesAlone() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "shared"));
    assertThat(passed(run("everything")))
        .as("the scenarios that passed (the suite's results are kept in %s)", work)
        .isEqualTo(new TreeSet<>(EVERYTHING_DIRECT));
  }

  /**
   * A stdio server written with the official TypeScript SDK that implements what the suite calls
   * (src/test/node/conformance-server.mjs): every scenario passes through the host, {@code
   * tools-call-sampling} too (its tool asks the calling client for {@code sampling/createMessage},
   * which the host routes to that session's call stream).
   */
  @Test
  void withAServerThatImplementsTheSuiteEveryScenarioPassesThroughTheHost() throws Exception {
    fixture =
        new McpFixture()
            .start(
                new JsonObject()
                    .put("name", "fixture")
                    .put(
                        "command",
                        new JsonArray()
                            .add("node")
                            .add(NODE.resolve("conformance-server.mjs").toString())));
    String output = run("fixture");
    Set<String> failed = new TreeSet<>(scenarios(output));
    failed.removeAll(passed(output));
    assertThat(scenarios(output)).hasSize(26).contains("tools-call-sampling");
    assertThat(failed)
        .as("the scenarios that failed (the suite's results are kept in %s)", work)
        .isEmpty();
  }

  /** The suite's output; its summary names each scenario, passed or not. */
  private String run(String server) throws Exception {
    assertThat(SUITE.resolve("package.json")).as("mvn runs npm ci in src/test/node").exists();
    int proxyPort = proxy();
    Path output = work.resolve("output.txt");
    Process suite =
        new ProcessBuilder(
                "node",
                NODE.resolve("node_modules/.bin/conformance").toString(),
                "server",
                "--url",
                "http://127.0.0.1:" + proxyPort + "/mcp/" + server)
            // it writes its results/ folder in the working directory
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    if (!suite.waitFor(180, TimeUnit.SECONDS)) {
      suite.destroyForcibly();
      throw new AssertionError(
          "the conformance suite did not end within 180 s; its output is kept in " + output);
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(text).as("the suite's output (kept in %s)", output).contains("=== SUMMARY ===");
    System.out.println(text.substring(Math.max(0, text.indexOf("=== SUMMARY ==="))));
    return text;
  }

  /** The scenarios of the suite's summary that passed every check. */
  static Set<String> passed(String output) {
    return summary(output, true);
  }

  static Set<String> scenarios(String output) {
    return summary(output, false);
  }

  private static Set<String> summary(String output, boolean passedOnly) {
    Set<String> names = new TreeSet<>();
    Matcher m = SCENARIO.matcher(output);
    while (m.find()) {
      if (!passedOnly || (m.group(1).equals("✓") && m.group(4).equals("0"))) {
        names.add(m.group(2));
      }
    }
    return names;
  }

  /** A reverse proxy to the host that adds the credential; its port. */
  private int proxy() {
    HttpProxy proxy =
        HttpProxy.reverseProxy(
                // the suite's clients end no session and leave their GET streams to the proxy:
                // with the default 5 connections its later requests waited for one and timed out
                fixture.vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(256)))
            .origin(fixture.port, "127.0.0.1")
            .addInterceptor(
                new ProxyInterceptor() {
                  @Override
                  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
                    context.request().headers().set("Authorization", "Bearer " + McpFixture.TOKEN);
                    return context.sendRequest();
                  }
                });
    HttpServer server =
        fixture.vertx.createHttpServer().requestHandler(proxy).listen(0, "127.0.0.1").await();
    return server.actualPort();
  }
}
