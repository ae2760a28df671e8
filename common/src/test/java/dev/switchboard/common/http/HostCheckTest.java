package dev.switchboard.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostCheckTest {

  private final HostCheck check = new HostCheck(List.of("switchboard.lan"));

  @Test
  void addressesLocalhostAndListedNamesPass() {
    assertThat(check.allows("127.0.0.1:3006")).isTrue();
    assertThat(check.allows("192.168.1.20:3007")).isTrue();
    assertThat(check.allows("[::1]:3006")).isTrue();
    assertThat(check.allows("localhost:3006")).isTrue();
    assertThat(check.allows("LOCALHOST")).isTrue();
    assertThat(check.allows("switchboard.lan:3006")).isTrue();
    assertThat(check.allows(null)).as("non-browser clients may send none").isTrue();
  }

  @Test
  void otherNamesAreRefusedAsDnsRebinding() {
    assertThat(check.allows("evil.example:3006")).isFalse();
    assertThat(check.allows("127.0.0.1.evil.example")).isFalse();
    assertThat(check.allows("localhost.evil.example:3006")).isFalse();
    assertThat(new HostCheck(List.of("*")).allows("anything.example")).isTrue();
  }
}
