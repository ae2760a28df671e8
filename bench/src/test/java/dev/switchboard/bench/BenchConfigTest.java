package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchConfigTest {

  @Test
  void parsesTheDocumentedCommandLine() {
    BenchConfig c =
        BenchConfig.parse(
            new String[] {
              "--url",
              "http://127.0.0.1:3007",
              "--namespace",
              "/mcp",
              "--token",
              "T",
              "--emit-token",
              "E",
              "--clients",
              "1000",
              "--rates",
              "100,200,500,1000,2000,5000",
              "--step-seconds",
              "10",
              "--json",
              "out.json",
              "--single-broadcast",
              "--p99-bound-ms=500",
              "--server-pid",
              "1234"
            },
            Map.of());
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(3007);
    assertThat(c.token).isEqualTo("T");
    assertThat(c.emitToken).isEqualTo("E");
    assertThat(c.rates).containsExactly(100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0);
    assertThat(c.singleBroadcast).isTrue();
    assertThat(c.p99BoundMs).isEqualTo(500);
    assertThat(c.serverPid).isEqualTo(1234);
    assertThat(c.json).isEqualTo("out.json");
    assertThat(c.effectiveWarmupRate()).isEqualTo(10.0); // 10,000 deliveries/s over 1,000 clients
    assertThat(c.toJson().encode()).doesNotContain("\"T\"").doesNotContain("\"E\"");
  }

  @Test
  void tokensComeFromTheEnvironmentWhenNotGiven() {
    BenchConfig c =
        BenchConfig.parse(
            new String[] {"--rates", ""}, Map.of("ADMIN_TOKEN", "a", "EMIT_TOKEN", "e"));
    assertThat(c.token).isEqualTo("a");
    assertThat(c.emitToken).isEqualTo("e");
    assertThat(c.rates).isEmpty();
    assertThat(c.effectiveWarmupRate()).isEqualTo(10.0); // default 1,000 clients
  }

  @Test
  void connectRateZeroMeansUnpacedConnects() {
    Map<String, String> env = Map.of("ADMIN_TOKEN", "a", "EMIT_TOKEN", "e");
    assertThat(BenchConfig.parse(new String[] {"--connect-rate", "0"}, env).unpacedConnects())
        .isTrue();
    assertThat(BenchConfig.parse(new String[] {}, env).unpacedConnects()).isFalse();
    assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--connect-rate", "-1"}, env))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSettledWindowIsTwoEndsInOrder() {
    Map<String, String> env = Map.of("ADMIN_TOKEN", "a", "EMIT_TOKEN", "e");
    BenchConfig c = BenchConfig.parse(new String[] {"--settled-window", "32,42"}, env);
    assertThat(c.settledFrom).isEqualTo(32.0);
    assertThat(c.settledTo).isEqualTo(42.0);
    assertThat(c.toJson().getString("settledWindow")).isEqualTo("32.0,42.0");
    assertThat(BenchConfig.parse(new String[] {}, env).settledTo).isZero();
    for (String bad : new String[] {"42", "42,32", "-1,5", "1,2,3"}) {
      assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--settled-window", bad}, env))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--settled-window");
    }
  }

  @Test
  void rejectsBadInput() {
    assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--emit-token", "e"}, Map.of()))
        .hasMessageContaining("--token");
    assertThatThrownBy(
            () ->
                BenchConfig.parse(
                    new String[] {"--token", "t", "--emit-token", "e", "--bogus", "1"}, Map.of()))
        .hasMessageContaining("--bogus");
    assertThatThrownBy(
            () ->
                BenchConfig.parse(
                    new String[] {"--token", "t", "--emit-token", "e", "--clients"}, Map.of()))
        .hasMessageContaining("needs a value");
    assertThatThrownBy(() -> BenchConfig.parseRates("10,-1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                BenchConfig.parse(
                    new String[] {"--token", "t", "--emit-token", "e", "--url", "ws://x:1"},
                    Map.of()))
        .hasMessageContaining("--url");
    assertThat(BenchConfig.parseRates(" 0.5, 2 ,,10")).isEqualTo(List.of(0.5, 2.0, 10.0));
  }
}
