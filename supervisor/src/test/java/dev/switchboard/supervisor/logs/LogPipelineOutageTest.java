package dev.switchboard.supervisor.logs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseProxy;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.Outage;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.testing.Eventually;
import dev.switchboard.migrations.Migrations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The database goes away while a source logs (a {@link DatabaseProxy} is cut, as when the
 * postmaster is killed): the pipeline must wait between attempts instead of spinning, log the
 * outage once and its end once, keep at most its backlog bound in memory, and once the database is
 * back store what it kept plus a note with the exact count, seq range and times of what it dropped,
 * so that stored lines and noted drops add up to the lines produced.
 */
class LogPipelineOutageTest {

  private static final String SOURCE = "service:outage";

  /** A backlog of 4 x 50 = 200 lines. */
  private static final LogOptions SMALL =
      new LogOptions(50, 10, 1024, 100, 20, 2, Duration.ofMillis(20));

  private final Vertx vertx = Vertx.vertx();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final List<Logger> loggers =
      List.of(
          (Logger) LoggerFactory.getLogger(LogPipeline.class),
          (Logger) LoggerFactory.getLogger(Outage.class));
  private Context loop;

  @BeforeEach
  void listen() {
    logged.start();
    loggers.forEach(logger -> logger.addAppender(logged));
    loop = vertx.getOrCreateContext();
  }

  @AfterEach
  void close() {
    loggers.forEach(logger -> logger.detachAppender(logged));
    vertx.close().await();
  }

  @Test
  void anOutageIsWaitedOutLoggedOnceAndWhatWasDroppedIsNotedWhereItWasLost() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "supervisor");
    DatabaseProxy proxy = DatabaseProxy.start(vertx, url);
    Pool pool = Database.pool(vertx, proxy.url(), 2, "outage");
    LogStore store = new LogStore(pool);
    LogPipeline pipeline =
        new LogPipeline(
            vertx, store, new DatabaseStatus(pool, Clock.systemUTC()), SMALL, Clock.systemUTC());
    LogSource source =
        onLoop(() -> pipeline.open(SOURCE, "test.logs." + SOURCE, "serviceId", "outage"));
    onLoop(
        () -> {
          pipeline.start();
          return Future.succeededFuture();
        });
    source.append(LogLine.STDOUT, lines(0, 10));
    Eventually.within(Duration.ofSeconds(10))
        .until(() -> store.accounting(SOURCE).await().stored() == 10);

    proxy.cut();
    int produced = 10;
    // 2 s of outage at 200 lines/s: 400 lines against a backlog of 200
    for (int step = 0; step < 20; step++) {
      source.append(LogLine.STDOUT, lines(produced, 20));
      produced += 20;
      Thread.sleep(100);
    }
    proxy.restore();

    int total = produced;
    LogStore.Accounting accounting =
        Eventually.within(Duration.ofSeconds(15))
            .until(
                () -> store.accounting(SOURCE).await(),
                counted -> counted.stored() + counted.dropped() == total);
    assertThat(accounting.dropped()).as("the backlog bound held").isPositive();
    assertThat(accounting.stored())
        .as("the backlog was kept and stored")
        .isGreaterThanOrEqualTo(200);

    List<LogLine> notes =
        store.query(SOURCE, new LogQuery(null, null, LogLine.NOTE, null, null, 100)).await();
    assertThat(notes).hasSize(1);
    Matcher note =
        Pattern.compile(
                "^\\[switchboard\\] (\\d+) lines dropped \\(seq (\\d+) to (\\d+), read \\S+ to \\S+\\)")
            .matcher(notes.get(0).line());
    assertThat(note.find()).as(notes.get(0).line()).isTrue();
    long first = Long.parseLong(note.group(2));
    long last = Long.parseLong(note.group(3));
    List<LogLine> stored =
        store.query(SOURCE, new LogQuery(null, null, null, null, null, 1000)).await();
    assertThat(stored)
        .as("the gap the note names is the one in the stored seq numbers (the note may close it)")
        .noneMatch(line -> line.seq() >= first && line.seq() <= last)
        .anyMatch(line -> line.seq() == first - 1)
        .anyMatch(line -> line.seq() == last + 1);
    assertThat(last - first + 1).isEqualTo(Long.parseLong(note.group(1)));

    List<String> warnings =
        logged.list.stream()
            .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(warnings)
        .as("the outage is logged once")
        .singleElement()
        .asString()
        .contains("storing log lines");
    String end =
        logged.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .filter(message -> message.contains("answers again"))
            .findFirst()
            .orElseThrow();
    Matcher attempts = Pattern.compile("and (\\d+) failed attempts").matcher(end);
    assertThat(attempts.find()).as(end).isTrue();
    assertThat(Integer.parseInt(attempts.group(1)))
        .as("attempts in 2 s of backoff starting at 250 ms")
        .isBetween(1, 10);

    onLoop(pipeline::stop);
    pool.close().await();
    proxy.close();
  }

  @Test
  void aPoolThatFailsAtOnceNeitherRecursesNorLogsEveryAttempt() {
    String url = TestDatabase.freshDatabaseUrl();
    Migrations.migrate(url, "supervisor");
    Pool pool = Database.pool(vertx, url, 1, "closing");
    LogPipeline pipeline =
        new LogPipeline(
            vertx,
            new LogStore(pool),
            new DatabaseStatus(pool, Clock.systemUTC()),
            SMALL,
            Clock.systemUTC());
    LogSource source =
        onLoop(() -> pipeline.open(SOURCE, "test.logs." + SOURCE, "serviceId", "closing"));
    // a closed pool fails every query before it returns: what a shutdown meets
    pool.close().await();

    source.append(LogLine.STDOUT, lines(0, 50));
    for (int tick = 0; tick < 50; tick++) {
      onLoop(
          () -> {
            pipeline.tick();
            return Future.succeededFuture();
          });
    }
    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .singleElement()
        .asString()
        .contains("does not answer");
  }

  private static List<String> lines(int from, int count) {
    return IntStream.range(from, from + count).mapToObj(i -> "line " + i).toList();
  }

  /**
   * Runs {@code action} on the pipeline's event loop (it is not thread-safe) and waits for its
   * result.
   */
  private <T> T onLoop(Callable<Future<T>> action) {
    Promise<T> result = Promise.promise();
    loop.runOnContext(
        v -> {
          try {
            action.call().onComplete(result);
          } catch (Throwable e) {
            result.fail(e);
          }
        });
    return result.future().await();
  }
}
