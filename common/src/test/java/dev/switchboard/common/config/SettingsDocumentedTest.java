package dev.switchboard.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table stays true to {@link Setting}: every setting, its path and
 * default.
 */
class SettingsDocumentedTest {

  @Test
  void everySettingHasItsRowInTheReadme() throws IOException {
    List<String> rows =
        Files.readAllLines(Path.of("../README.md")).stream()
            .filter(line -> line.startsWith("| `"))
            .toList();
    for (Setting setting : Setting.values()) {
      String row =
          rows.stream()
              .filter(line -> line.startsWith("| `" + setting.envName() + "` |"))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("README.md has no row for " + setting.envName()));
      assertThat(row).as(setting.envName()).contains("| `" + setting.path() + "` |");
      setting
          .defaultValue()
          .ifPresent(
              value -> {
                String shown =
                    value instanceof List<?> list
                        ? String.join(",", list.stream().map(String::valueOf).toList())
                        : value.toString();
                assertThat(row).as(setting.envName() + " default").contains("| `" + shown + "` |");
              });
    }
  }
}
