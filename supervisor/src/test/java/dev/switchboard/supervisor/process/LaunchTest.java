package dev.switchboard.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchTest {

  private static final Map<String, String> BASE =
      Map.of(
          "PATH",
          "/usr/bin:/bin",
          "HOME",
          "/root",
          "ADMIN_TOKEN",
          "secret-admin",
          "EMIT_TOKEN",
          "secret-emit",
          "DATABASE_URL",
          "postgresql://u:pw@h/db",
          "A",
          "old");

  @Test
  void theChildGetsTheBaseWithoutSecretsThenTheDefinitionThenTheMarkers() {
    Launch launch =
        Launch.of(
            BASE,
            List.of("true"),
            null,
            Map.of("A", "new", "B", "b"),
            Map.of("SWITCHBOARD_SERVICE", "web"),
            Path.of("/tmp"));
    assertThat(launch.env())
        .doesNotContainKeys("ADMIN_TOKEN", "EMIT_TOKEN", "DATABASE_URL")
        .containsEntry("A", "new")
        .containsEntry("B", "b")
        .containsEntry("HOME", "/root")
        .containsEntry("SWITCHBOARD_SERVICE", "web");
    assertThat(launch.cwd()).isEqualTo(Path.of("/tmp"));
  }

  @Test
  void aRelativeWorkingDirectoryIsTakenFromTheDefaultOne() {
    assertThat(Launch.of(BASE, List.of("true"), "sub", Map.of(), Map.of(), Path.of("/srv")).cwd())
        .isEqualTo(Path.of("/srv/sub"));
  }

  @Test
  void programsAreLookedUpOnThePathOfTheChild() throws LaunchFailure {
    Launch.of(BASE, List.of("sh"), null, Map.of(), Map.of(), Path.of("/")).check();
    assertThatThrownBy(
            () ->
                Launch.of(
                        BASE,
                        List.of("sh"),
                        null,
                        Map.of("PATH", "/nonexistent"),
                        Map.of(),
                        Path.of("/"))
                    .check())
        .isInstanceOf(LaunchFailure.class)
        .hasMessageContaining("command not found: sh (searched PATH=/nonexistent)");
    assertThatThrownBy(
            () ->
                Launch.of(BASE, List.of("true"), "/no/such/dir", Map.of(), Map.of(), Path.of("/"))
                    .check())
        .hasMessageContaining("working directory /no/such/dir does not exist");
  }
}
