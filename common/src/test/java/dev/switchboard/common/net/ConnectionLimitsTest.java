package dev.switchboard.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Unset connection limits are sized from the open-files limit, keeping a reserve back. */
class ConnectionLimitsTest {

  @Test
  void unsetLimitsKeepATenthOfTheOpenFilesBack() {
    ConnectionLimits limits = ConnectionLimits.fromConfig(new JsonObject(), 20_000);
    assertThat(limits.max()).isEqualTo(18_000);
    assertThat(limits.perAddress()).isEqualTo(9_000);
    assertThat(limits.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aLowLimitStillKeeps256BackAndAllowsSomeConnections() {
    assertThat(ConnectionLimits.fromConfig(new JsonObject(), 1_024).max()).isEqualTo(768);
    assertThat(ConnectionLimits.fromConfig(new JsonObject(), 100).max())
        .isEqualTo(ConnectionLimits.MIN_MAX);
    assertThat(ConnectionLimits.fromConfig(null, 0).max()).isEqualTo(ConnectionLimits.FALLBACK_MAX);
  }

  @Test
  void configuredValuesWin() {
    ConnectionLimits limits =
        ConnectionLimits.fromConfig(
            new JsonObject().put("max", 500).put("perAddress", 20).put("requestTimeout", 2_500),
            20_000);
    assertThat(limits).isEqualTo(new ConnectionLimits(500, 20, Duration.ofMillis(2_500)));
    assertThat(ConnectionLimits.fromConfig(new JsonObject().put("max", 500), 20_000).perAddress())
        .isEqualTo(250);
  }

  @Test
  void theOpenFilesLimitIsReadOnLinux() {
    assertThat(OpenFiles.current())
        .hasValueSatisfying(
            files -> {
              assertThat(files.soft()).isPositive();
              assertThat(files.hard()).isGreaterThanOrEqualTo(files.soft());
            });
  }
}
