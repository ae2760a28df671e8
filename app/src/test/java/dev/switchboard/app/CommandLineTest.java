package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class CommandLineTest {

  @Test
  void onLinuxTheDefaultRunsEveryService() {
    CommandLine commandLine = CommandLine.parse("Linux");

    assertThat(commandLine.services()).isEqualTo(EnumSet.allOf(Service.class));
    assertThat(commandLine.leftOut()).isEmpty();
    assertThat(commandLine.leftOutNotice()).isEmpty();
  }

  @Test
  void elsewhereTheDefaultLeavesOutTheSupervisorAndSaysSo() {
    CommandLine commandLine = CommandLine.parse("Mac OS X");

    assertThat(commandLine.services())
        .containsExactlyInAnyOrder(
            Service.GATEWAY,
            Service.WS_HUB,
            Service.SYSTEM_STATS,
            Service.FILE_PROCESSOR,
            Service.MCP_HOST);
    assertThat(commandLine.leftOut()).containsExactly(Service.SUPERVISOR);
    assertThat(commandLine.leftOutNotice())
        .hasValue("Not started: supervisor (Linux only; see docs/supervisor.md)");
  }

  @Test
  void theMcpHostRunsAloneWithItsDatabase() {
    CommandLine commandLine = CommandLine.parse("Linux", "--services", "mcp-host");

    assertThat(commandLine.services()).containsExactly(Service.MCP_HOST);
    assertThat(commandLine.needsDatabase()).isTrue();
    assertThat(Service.MCP_HOST.schema()).hasValue("mcp");
    assertThat(Service.MCP_HOST.http()).isTrue();
  }

  @Test
  void elsewhereAskingForTheSupervisorFailsClearly() {
    assertThatThrownBy(() -> CommandLine.parse("Mac OS X", "--services", "gateway,supervisor"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the supervisor runs on Linux only, not on Mac OS X (see docs/supervisor.md);"
                + " leave it out of --services");
  }

  @Test
  void elsewhereTheOtherServicesCanBeNamed() {
    CommandLine commandLine = CommandLine.parse("Mac OS X", "--services", "gateway,system-stats");

    assertThat(commandLine.services())
        .containsExactlyInAnyOrder(Service.GATEWAY, Service.SYSTEM_STATS);
    assertThat(commandLine.leftOut()).isEmpty();
  }

  @Test
  void onLinuxTheSupervisorCanBeNamed() {
    assertThat(CommandLine.parse("Linux", "--services=supervisor").services())
        .containsExactly(Service.SUPERVISOR);
  }
}
