package dev.switchboard.supervisor.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceDefinitionTest {

  private static JsonObject minimal() {
    return new JsonObject()
        .put("name", "web1")
        .put("command", new JsonArray().add("python3").add("-m").add("http.server").add("18081"));
  }

  @Test
  void theIssuesExampleReadsWithDefaultsFilledIn() {
    ServiceDefinition def =
        ServiceDefinition.parse(
            minimal()
                .put("health", new JsonObject().put("http", "http://127.0.0.1:18081/"))
                .put("restart", new JsonObject().put("policy", "always")));
    assertThat(def.argv()).containsExactly("python3", "-m", "http.server", "18081");
    assertThat(def.health().kind()).isEqualTo(HealthCheck.Kind.HTTP);
    assertThat(def.health().interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(def.health().timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(def.health().expectMin()).isEqualTo(200);
    assertThat(def.health().expectMax()).isEqualTo(399);
    assertThat(def.restart().policy()).isEqualTo(RestartPolicy.Policy.ALWAYS);
    assertThat(def.stopSignal()).isEqualTo("TERM");
    assertThat(def.stopTimeout()).isEqualTo(Duration.ofSeconds(10));

    JsonObject json = def.toJson();
    assertThat(json.getJsonObject("restart").getString("initialDelay")).isEqualTo("1s");
    assertThat(json.getJsonObject("restart").getString("maxDelay")).isEqualTo("1m");
    assertThat(json.getJsonObject("health").getString("interval")).isEqualTo("10s");
    assertThat(ServiceDefinition.parse(json))
        .as("the canonical form reads back the same")
        .isEqualTo(def);
  }

  @Test
  void theSeedsMixedCaseNamesAreNamesAsTheyAre() {
    for (String name : new String[] {"lmStudio", "comfyUI", "fileProcessor", "LM-Studio-2"}) {
      ServiceDefinition def = ServiceDefinition.parse(minimal().put("name", name));
      assertThat(def.name()).isEqualTo(name);
      assertThat(def.toJson().getString("name")).isEqualTo(name);
    }
    ServiceDefinition dependent =
        ServiceDefinition.parse(
            minimal().put("name", "comfyUI").put("dependsOn", new JsonArray().add("lmStudio")));
    assertThat(dependent.dependsOn())
        .containsExactly(new Dependency("lmStudio", Dependency.Condition.STARTED));
    assertThat(ServiceDefinition.sameName("lmStudio", "LMStudio")).isTrue();
    assertThat(ServiceDefinition.sameName("lmStudio", "lmStudio2")).isFalse();
  }

  @Test
  void aConfigFileNamingOneServiceTwiceInTwoCasesIsRefused() {
    JsonArray declared =
        new JsonArray()
            .add(minimal().put("name", "lmStudio"))
            .add(minimal().put("name", "LMStudio"));
    assertThatThrownBy(() -> DeclaredServices.parse(declared))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names a service twice (names are unique ignoring case)");
  }

  @Test
  void shellCommandsAndDependenciesInEveryForm() {
    ServiceDefinition shell =
        ServiceDefinition.parse(
            new JsonObject()
                .put("name", "s")
                .put("shell", true)
                .put("command", "echo hi | tr a-z A-Z"));
    assertThat(shell.argv()).containsExactly("/bin/sh", "-c", "echo hi | tr a-z A-Z");
    ServiceDefinition listed =
        ServiceDefinition.parse(
            minimal()
                .put(
                    "dependsOn",
                    new JsonArray()
                        .add("db")
                        .add(new JsonObject().put("name", "cache").put("condition", "healthy"))));
    assertThat(listed.dependsOn())
        .containsExactly(
            new Dependency("db", Dependency.Condition.STARTED),
            new Dependency("cache", Dependency.Condition.HEALTHY));
    ServiceDefinition mapped =
        ServiceDefinition.parse(minimal().put("dependsOn", new JsonObject().put("db", "healthy")));
    assertThat(mapped.dependsOn())
        .containsExactly(new Dependency("db", Dependency.Condition.HEALTHY));
    assertThat(ServiceDefinition.parse(minimal().put("maxMemory", "512M")).maxMemory())
        .isEqualTo(512L << 20);
    assertThat(ServiceDefinition.parse(minimal().put("maxMemory", "8589934591G")).maxMemory())
        .isEqualTo(8589934591L << 30);
    assertThat(ServiceDefinition.parse(minimal().put("stopSignal", "SIGINT")).stopSignal())
        .isEqualTo("INT");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"name\":\"a\"}|command",
        "{\"name\":\"a\",\"command\":\"sleep 1\"}|command",
        "{\"name\":\"a\",\"command\":[]}|command",
        "{\"name\":\"a\",\"command\":[\"ok\", 3]}|command[1]",
        "{\"name\":\"lm_studio\",\"command\":[\"true\"]}|name",
        "{\"name\":\"-lm\",\"command\":[\"true\"]}|name",
        "{\"name\":\"status\",\"command\":[\"true\"]}|name",
        "{\"name\":\"Refresh\",\"command\":[\"true\"]}|name",
        "{\"name\":\"lmStudio\",\"command\":[\"true\"],\"dependsOn\":[\"LMSTUDIO\"]}|dependsOn",
        "{\"name\":\"a\",\"command\":[\"true\"],\"port\":70000}|port",
        "{\"name\":\"a\",\"command\":[\"true\"],\"env\":{\"1X\":\"y\"}}|env.1X",
        "{\"name\":\"a\",\"command\":[\"true\"],\"health\":{}}|health",
        "{\"name\":\"a\",\"command\":[\"true\"],\"health\":{\"http\":\"ftp://x/\"}}|health.http",
        "{\"name\":\"a\",\"command\":[\"true\"],\"health\":{\"tcp\":80,\"expectStatus\":[500,200]}}|health.expectStatus",
        "{\"name\":\"a\",\"command\":[\"true\"],\"restart\":\"sometimes\"}|restart.policy",
        "{\"name\":\"a\",\"command\":[\"true\"],\"restart\":{\"initialDelay\":\"10s\",\"maxDelay\":\"1s\"}}|restart.maxDelay",
        "{\"name\":\"a\",\"command\":[\"true\"],\"stopSignal\":\"STOP\"}|stopSignal",
        "{\"name\":\"a\",\"command\":[\"true\"],\"dependsOn\":[\"a\"]}|dependsOn",
        "{\"name\":\"a\",\"command\":[\"true\"],\"dependsOn\":{\"b\":\"ready\"}}|dependsOn.b",
        "{\"name\":\"a\",\"command\":[\"true\"],\"maxMemory\":\"lots\"}|maxMemory",
        "{\"name\":\"a\",\"command\":[\"true\"],\"autostart\":\"yes\"}|autostart",
        "{\"name\":\"a\",\"command\":[\"true\"],\"restartPolicy\":\"always\"}|restartPolicy",
        // what PostgreSQL cannot store (U+0000) is refused where it is written, not by a failed
        // insert
        "{\"name\":\"a\",\"command\":[\"true\"],\"env\":{\"MY_VAR\":\"a\\u0000b\"}}|env.MY_VAR",
        "{\"name\":\"a\",\"command\":[\"true\"],\"cwd\":\"/tmp\\u0000\"}|cwd",
        "{\"name\":\"a\",\"command\":[\"true\", \"\\u0000\"]}|command[1]",
        "{\"name\":\"a\",\"shell\":true,\"command\":\"echo \\u0000\"}|command",
        "{\"name\":\"a\",\"command\":[\"true\"],\"description\":\"\\u0000\"}|description",
        "{\"name\":\"a\",\"command\":[\"true\"],\"health\":{\"command\":[\"true\",\"\\u0000\"]}}|health.command[1]",
        // numbers are what they look like, not their low bits, and too long a duration is bad input
        // too
        "{\"name\":\"a\",\"command\":[\"true\"],\"maxMemory\":\"99999999999999999999G\"}|maxMemory",
        "{\"name\":\"a\",\"command\":[\"true\"],\"maxMemory\":\"17179869185G\"}|maxMemory",
        "{\"name\":\"a\",\"command\":[\"true\"],\"maxMemory\":18446744073709551617}|maxMemory",
        "{\"name\":\"a\",\"command\":[\"true\"],\"maxMemory\":1.5}|maxMemory",
        "{\"name\":\"a\",\"command\":[\"true\"],\"port\":18446744073709551617}|port",
        "{\"name\":\"a\",\"command\":[\"true\"],\"health\":{\"http\":\"http://x/\",\"expectStatus\":4294967496}}|health.expectStatus",
        "{\"name\":\"a\",\"command\":[\"true\"],\"stopTimeout\":\"200000000000000d\"}|stopTimeout",
        "{\"name\":\"a\",\"command\":[\"true\"],\"health\":{\"tcp\":80,\"interval\":\"106751991167301d\"}}|health.interval",
        "{\"name\":\"a\",\"command\":[\"true\"],\"restart\":{\"window\":18446744073709551617}}|restart.window"
      })
  void badInputNamesTheField(String json, String field) {
    assertThatThrownBy(() -> ServiceDefinition.parse(new JsonObject(json)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void backoffDoublesUpToItsCap() {
    RestartPolicy policy =
        RestartPolicy.parse(
            new JsonObject().put("initialDelay", "1s").put("maxDelay", "5s"), "restart");
    assertThat(policy.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(policy.delay(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(policy.delay(3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(policy.delay(4)).isEqualTo(Duration.ofSeconds(5));
    assertThat(policy.delay(40)).isEqualTo(Duration.ofSeconds(5));
    assertThat(RestartPolicy.DEFAULT.delay(7)).isEqualTo(Duration.ofSeconds(60));
    assertThat(policy.restarts(0, false)).isFalse();
    assertThat(policy.restarts(1, true)).isTrue();
  }
}
