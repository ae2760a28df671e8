package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The seed monitor's word for each state, as docs/supervisor.md tabulates it. */
class ServiceStateTest {

  @Test
  void everyStateMapsToOneOfTheSeedMonitorsFourWords() {
    assertThat(Arrays.stream(ServiceState.values()).map(ServiceState::seedStatus).distinct())
        .containsExactlyInAnyOrder("Connected", "Disconnected", "Starting", "Error");
    assertThat(ServiceState.RUNNING.seedStatus()).isEqualTo("Connected");
    assertThat(ServiceState.STARTING.seedStatus()).isEqualTo("Starting");
    assertThat(ServiceState.STOPPED.seedStatus()).isEqualTo("Disconnected");
    assertThat(ServiceState.STOPPING.seedStatus()).isEqualTo("Disconnected");
    assertThat(ServiceState.BACKOFF.seedStatus()).isEqualTo("Disconnected");
    assertThat(ServiceState.UNHEALTHY.seedStatus()).isEqualTo("Error");
    assertThat(ServiceState.ERRORED.seedStatus()).isEqualTo("Error");
    assertThat(ServiceState.FAILED.seedStatus()).isEqualTo("Error");
  }
}
