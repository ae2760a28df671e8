package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The official TypeScript SDK (npm {@code @modelcontextprotocol/sdk}, its
 * StreamableHTTPClientTransport) as the client of server-everything under the host
 * (src/test/node/sdk-client.mjs).
 */
class SdkClientTest {

  private static final Path SCRIPT = Path.of("src/test/node/sdk-client.mjs").toAbsolutePath();
  private McpFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void theTypeScriptSdkInitializesCallsToolsWithProgressReadsPromptsAndCancels() throws Exception {
    fixture = new McpFixture().start(McpFixture.everything("everything", "per-project"));
    Process node =
        new ProcessBuilder(
                "node",
                SCRIPT.toString(),
                "http://127.0.0.1:" + fixture.port + fixture.endpoint("everything", "ts"),
                McpFixture.TOKEN)
            .redirectErrorStream(true)
            .start();
    if (!node.waitFor(60, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      throw new AssertionError("the SDK client did not end within 60 s");
    }
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.exitValue()).as(output).isZero();
    System.out.println(output);
    List<String> lines = output.lines().toList();
    JsonObject got = new JsonObject(lines.get(lines.size() - 1));
    assertThat(got.getString("server")).isEqualTo("example-servers/everything");
    assertThat(got.getJsonArray("tools").getList()).contains("echo", "add", "longRunningOperation");
    assertThat(got.getString("echo")).isEqualTo("Echo: hi from ts");
    assertThat(got.getString("add")).isEqualTo("The sum of 2 and 3 is 5.");
    assertThat(got.getJsonArray("progress").getList()).containsExactly(1, 2, 3, 4);
    assertThat(got.getString("long")).startsWith("Long running operation completed");
    assertThat(got.getInteger("resources")).isPositive();
    assertThat(got.getString("resource")).startsWith("test://static/resource/");
    assertThat(got.getJsonArray("prompts").getList()).contains("simple_prompt");
    assertThat(got.getInteger("prompt")).isPositive();
    assertThat(got.getString("cancelled")).startsWith("rejected");
    assertThat(got.getString("after")).isEqualTo("Echo: after");
  }
}
