package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BenchPayloadTest {

  private static int parse(String json, BenchPayload.Fields f) {
    return BenchPayload.parse(Buffer.buffer(json), 0, f);
  }

  @Test
  void dataIsPaddedToTheTargetSizeAndIsValidJson() {
    String data = BenchPayload.appendData(new StringBuilder(), 123456789L, 42, 3, 100).toString();
    assertThat(data).hasSize(100);
    JsonObject o = new JsonObject(data);
    assertThat(o.getLong("t")).isEqualTo(123456789L);
    assertThat(o.getLong("s")).isEqualTo(42);
    assertThat(o.getInteger("k")).isEqualTo(3);
  }

  @Test
  void dataLongerThanTheTargetIsNotTruncated() {
    String data =
        BenchPayload.appendData(new StringBuilder(), Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, 7, 10)
            .toString();
    assertThat(new JsonObject(data).getString("p")).isEmpty();
  }

  @Test
  void emitRequestIsTheHubContract() {
    String emit =
        BenchPayload.appendEmit(
                new StringBuilder(),
                BenchPayload.jsonString("/mcp"),
                BenchPayload.jsonString("bench"),
                5,
                6,
                7,
                100)
            .toString();
    JsonObject o = new JsonObject(emit);
    assertThat(o.getString("namespace")).isEqualTo("/mcp");
    assertThat(o.getString("event")).isEqualTo("bench");
    assertThat(o.containsKey("room")).isFalse();
    assertThat(o.getJsonObject("data").getLong("t")).isEqualTo(5);
  }

  @Test
  void parsesWhatItEncodes() {
    String data =
        BenchPayload.appendData(new StringBuilder(), 987654321012L, 1234, 9, 100).toString();
    BenchPayload.Fields f = new BenchPayload.Fields();
    assertThat(parse(data, f)).isEqualTo(data.length());
    assertThat(f.complete()).isTrue();
    assertThat(f.t).isEqualTo(987654321012L);
    assertThat(f.s).isEqualTo(1234);
    assertThat(f.k).isEqualTo(9);
  }

  @Test
  void parsesInsideAFullEventFrameFromThePrefix() {
    String prefix = SioFrames.eventPrefix("/mcp", "bench");
    String frame = prefix + BenchPayload.appendData(new StringBuilder(), 1, 2, 3, 100) + "]";
    BenchPayload.Fields f = new BenchPayload.Fields();
    int end = BenchPayload.parse(Buffer.buffer(frame), prefix.length(), f);
    assertThat(end).isEqualTo(frame.length() - 1);
    assertThat(f.t).isEqualTo(1);
    assertThat(f.s).isEqualTo(2);
    assertThat(f.k).isEqualTo(3);
    // and the frame as a whole is the Socket.IO event a client library would decode
    SioFrames.Packet p = SioFrames.parse(frame);
    assertThat(new JsonArray(p.payload()).getString(0)).isEqualTo("bench");
  }

  @Test
  void toleratesWhitespaceReorderedKeysAndOtherMembers() {
    BenchPayload.Fields f = new BenchPayload.Fields();
    String json =
        "{ \"p\" : \"x\\\"t\\\":9\" , \"nested\": {\"t\": 5, \"a\": [1, {\"k\": 2}]}, \"k\" : 4,\n"
            + " \"s\":-3, \"flag\": true, \"none\": null, \"t\" :77 }";
    assertThat(parse(json, f)).isEqualTo(json.length());
    assertThat(f.t).isEqualTo(77);
    assertThat(f.s).isEqualTo(-3);
    assertThat(f.k).isEqualTo(4);
  }

  @Test
  void missingFieldsLeaveTheHolderIncomplete() {
    BenchPayload.Fields f = new BenchPayload.Fields();
    assertThat(parse("{\"t\":1,\"s\":2}", f)).isPositive();
    assertThat(f.complete()).isFalse();
    assertThat(parse("{}", f)).isEqualTo(2);
    assertThat(f.complete()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[1]",
        "{",
        "{\"t\"",
        "{\"t\":}",
        "{\"t\":1.5,\"s\":1,\"k\":1}",
        "{\"t\":1e3}",
        "{\"t\":1 \"s\":2}",
        "{t:1}",
        "{\"t\":12345678901234567890}",
        "{\"p\":\"unterminated}",
        "{\"a\":[1,2}"
      })
  void malformedObjectsAreRejected(String json) {
    assertThat(parse(json, new BenchPayload.Fields())).isEqualTo(-1);
  }

  @Test
  void jsonStringEscapes() {
    assertThat(BenchPayload.jsonString("/mcp")).isEqualTo("\"/mcp\"");
    assertThat(BenchPayload.jsonString("a\"b")).isEqualTo("\"a\\\"b\"");
  }
}
