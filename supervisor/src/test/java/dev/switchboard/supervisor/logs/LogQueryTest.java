package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What PostgreSQL would refuse in a log query is refused first, naming the parameter. */
class LogQueryTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-31T12:00:00Z"), ZoneOffset.UTC);

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "q|a\u0000b",
        "since|200000000000000d",
        "since|9999999999999s",
        "since|-1000000000-01-01T00:00:00Z",
        "until|+100000-01-01T00:00:00Z"
      })
  void badParametersAreNamed(String parameter, String value) {
    assertThatThrownBy(() -> LogQuery.parse(new JsonObject().put(parameter, value), CLOCK))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.field()).isEqualTo(parameter));
  }
}
