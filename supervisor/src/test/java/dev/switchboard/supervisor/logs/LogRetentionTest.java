package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The retention job bounds each source in bytes as well as in lines: the oldest lines go, the
 * newest stay.
 */
class LogRetentionTest {

  private static final LogQuery EVERYTHING = new LogQuery(null, null, null, null, null, 10_000);

  private static LogDatabase db;

  @BeforeAll
  static void database() {
    db = new LogDatabase(2);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aSourcePastItsByteBoundLosesItsOldestLines() {
    // 500 two-byte characters: 1,000 bytes a line, though 500 chars
    db.store.insert(lines("service:chatty", 100, "é".repeat(500))).await();
    db.store.insert(lines("service:quiet", 5, "q".repeat(1000))).await();
    LogPipeline pipeline = db.pipeline(LogOptions.DEFAULT);
    db.onLoop(() -> pipeline.open("service:chatty", "test.logs.chatty", "serviceId", "chatty"));
    db.onLoop(() -> pipeline.open("service:quiet", "test.logs.quiet", "serviceId", "quiet"));

    db.onLoop(() -> pipeline.trimAll(100_000, 10_500));

    List<LogLine> chatty = db.store.query("service:chatty", EVERYTHING).await();
    assertThat(chatty)
        .extracting(LogLine::seq)
        .as("the newest 10,000 bytes")
        .containsExactlyElementsOf(IntStream.rangeClosed(91, 100).mapToObj(Long::valueOf).toList());
    assertThat(db.store.query("service:quiet", EVERYTHING).await())
        .as("a source under the bound keeps everything")
        .hasSize(5);

    LogSource source = db.onLoop(() -> Future.succeededFuture(pipeline.source("service:chatty")));
    source.append(LogLine.STDOUT, List.of("x".repeat(2_000), "y".repeat(1_000)));
    db.onLoop(() -> pipeline.stop());
    db.onLoop(() -> pipeline.trimAll(100_000, 10_500));
    assertThat(db.store.query("service:chatty", EVERYTHING).await())
        .extracting(LogLine::seq)
        .as("new lines push old ones out")
        .containsExactlyElementsOf(IntStream.rangeClosed(94, 102).mapToObj(Long::valueOf).toList());
  }

  @Test
  void aClosedSourceIsBoundedOnceMore() {
    LogPipeline pipeline = db.pipeline(LogOptions.DEFAULT);
    db.onLoop(() -> pipeline.open("deployment:7", "test.logs.deployment", "deploymentId", "7"));
    LogSource source = db.onLoop(() -> Future.succeededFuture(pipeline.source("deployment:7")));
    // a step floods and ends before the retention job comes round
    source.append(LogLine.STDOUT, IntStream.rangeClosed(1, 50).mapToObj(i -> "line " + i).toList());
    db.onLoop(() -> pipeline.close("deployment:7"));

    db.onLoop(() -> pipeline.trimAll(20, Long.MAX_VALUE));

    assertThat(db.store.query("deployment:7", EVERYTHING).await())
        .extracting(LogLine::seq)
        .as("the newest 20 lines")
        .containsExactlyElementsOf(IntStream.rangeClosed(31, 50).mapToObj(Long::valueOf).toList());
    db.onLoop(() -> pipeline.stop());
  }

  private static List<LogStore.SourcedLine> lines(String source, int count, String text) {
    Instant now = Instant.now();
    return IntStream.rangeClosed(1, count)
        .mapToObj(
            seq -> new LogStore.SourcedLine(source, new LogLine(seq, now, LogLine.STDOUT, text)))
        .toList();
  }
}
