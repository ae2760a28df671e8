package dev.switchboard.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseProxy;
import dev.switchboard.common.db.TestDatabase;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.migrations.Migrations;
import dev.switchboard.stats.sampling.Gpu;
import dev.switchboard.stats.sampling.HostProbe;
import dev.switchboard.stats.sampling.HostReadings;
import dev.switchboard.stats.sampling.HostReadings.CpuTicks;
import dev.switchboard.stats.sampling.HostReadings.Filesystem;
import dev.switchboard.stats.sampling.HostReadings.Traffic;
import dev.switchboard.stats.sampling.HostSampler;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The event-bus contract of system-stats against a real PostgreSQL: what it publishes and stores,
 * history from samples or rollups, validation, and retention. The host is a fixture and the clock
 * stands still at {@link #NOW}, so every figure is exact.
 */
@ExtendWith(VertxExtension.class)
class SystemStatsVerticleTest {

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final long GIB = 1L << 30;

  private String url;
  private Pool pool;

  @BeforeEach
  void database(Vertx vertx) {
    url = TestDatabase.freshDatabaseUrl();
    assertThat(Migrations.migrate(url, "stats")).isEqualTo(1);
    assertThat(Migrations.migrate(url, "stats")).as("a second run finds nothing to do").isZero();
    pool = Database.pool(vertx, url, 2, "test");
  }

  @AfterEach
  void close() {
    pool.close().await();
  }

  @Test
  void publishesStoresAndServesTheLatestSample(Vertx vertx) {
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.STATS_SYSTEM, msg -> published.add(msg.body()));

    deploy(vertx, Map.of());

    assertThat(published).hasSize(1);
    JsonObject sample = published.get(0);
    assertThat(sample.getString("timestamp")).isEqualTo("2026-11-22T12:00:00.000Z");
    assertThat(sample.getJsonObject("memory").getLong("usedBytes")).isEqualTo(4 * GIB);
    assertThat(sample.getJsonObject("memory").getDouble("usagePercent")).isEqualTo(25.0);
    assertThat(sample.getJsonArray("gpus").getJsonObject(0).getString("name"))
        .isEqualTo("NVIDIA GeForce RTX 4090");
    assertThat(Bus.request(vertx, Addresses.STATS_LATEST, new JsonObject()).await())
        .isEqualTo(sample);
    JsonObject stored =
        pool.query("SELECT sample, metrics FROM stats.samples")
            .execute()
            .await()
            .iterator()
            .next()
            .toJson();
    assertThat(stored.getJsonObject("sample")).isEqualTo(sample);
    assertThat(stored.getJsonObject("metrics").getDouble("gpu.utilizationPercent:0"))
        .isEqualTo(37.0);
    assertThat(stored.getJsonObject("metrics").getDouble("disk.usagePercent:/")).isEqualTo(50.0);
  }

  @Test
  void shortRangesServeRawSamplesAndLongOnesMinuteRollups(Vertx vertx) {
    // three hours of samples every 10 s, the CPU cycling 10, 20, ... 60 % within each minute
    List<Tuple> rows = new ArrayList<>();
    for (Instant t = NOW.minus(Duration.ofHours(3)); t.isBefore(NOW); t = t.plusSeconds(10)) {
      double cpu = 10.0 * (1 + (t.getEpochSecond() % 60) / 10);
      rows.add(
          Tuple.of(
              t.atOffset(ZoneOffset.UTC),
              new JsonObject().put("timestamp", t.toString()),
              new JsonObject().put("cpu.usagePercent", cpu).put("memory.usedBytes", 1000)));
    }
    pool.preparedQuery("INSERT INTO stats.samples (ts, sample, metrics) VALUES ($1, $2, $3)")
        .executeBatch(rows)
        .await();

    deploy(vertx, Map.of());

    JsonObject raw =
        history(vertx, new JsonObject().put("from", NOW.minus(Duration.ofMinutes(30)).toString()));
    assertThat(raw.getString("source")).isEqualTo("samples");
    assertThat(raw.getString("step")).isEqualTo("raw");
    assertThat(raw.getJsonArray("points"))
        .as("[from, to) holds 30 minutes of samples, not the one taken at NOW")
        .hasSize(30 * 6);
    JsonObject longRange =
        history(
            vertx,
            new JsonObject()
                .put("from", NOW.minus(Duration.ofHours(3)).toString())
                .put("to", NOW.toString()));
    assertThat(longRange.getString("source")).isEqualTo("rollups");
    assertThat(longRange.getString("step")).isEqualTo("1m");
    JsonArray points = longRange.getJsonArray("points");
    assertThat(points).hasSize(180);
    JsonObject first = points.getJsonObject(0);
    assertThat(first.getString("timestamp")).isEqualTo("2026-11-22T09:00:00Z");
    assertThat(first.getJsonObject("values").getDouble("cpu.usagePercent")).isEqualTo(35.0);
    assertThat(first.getJsonObject("max").getDouble("cpu.usagePercent")).isEqualTo(60.0);
    assertThat(first.getJsonObject("values").getDouble("memory.usedBytes")).isEqualTo(1000.0);

    JsonObject hourly =
        history(
            vertx,
            new JsonObject()
                .put("from", NOW.minus(Duration.ofHours(3)).toString())
                .put("to", NOW.toString())
                .put("step", "1h"));
    assertThat(hourly.getJsonArray("points")).hasSize(3);
    assertThat(
            hourly
                .getJsonArray("points")
                .getJsonObject(2)
                .getJsonObject("values")
                .getDouble("cpu.usagePercent"))
        .isEqualTo(35.0);
  }

  @Test
  void badRangesNameTheParameter(Vertx vertx) {
    deploy(vertx, Map.of());

    assertInvalid(vertx, new JsonObject().put("from", "yesterday"), "from");
    assertInvalid(vertx, new JsonObject().put("to", "2026-13-01"), "to");
    assertInvalid(
        vertx,
        new JsonObject().put("from", NOW.toString()).put("to", NOW.minusSeconds(60).toString()),
        "from");
    assertInvalid(vertx, new JsonObject().put("step", "30s"), "step");
    assertInvalid(vertx, new JsonObject().put("step", "often"), "step");
    // too many raw points for the sampling interval (here one hour): 1,000 days hold 24,000
    assertInvalid(
        vertx,
        new JsonObject()
            .put("from", NOW.minus(Duration.ofDays(1000)).toString())
            .put("step", "raw"),
        "step");
  }

  @Test
  void retentionDeletesWhatIsPastIt(Vertx vertx) {
    Instant oldSample = NOW.minus(Duration.ofHours(7));
    Instant keptSample = NOW.minus(Duration.ofHours(5));
    for (Instant t : List.of(oldSample, keptSample)) {
      pool.preparedQuery(
              "INSERT INTO stats.samples (ts, sample, metrics) VALUES ($1, '{}', '{\"processes\": 1}')")
          .execute(Tuple.of(t.atOffset(ZoneOffset.UTC)))
          .await();
    }
    for (Instant bucket : List.of(NOW.minus(Duration.ofDays(3)), NOW.minus(Duration.ofDays(1)))) {
      pool.preparedQuery(
              "INSERT INTO stats.rollups (bucket, metric, avg, max, samples) VALUES ($1, 'cpu.usagePercent', 1, 1, 1)")
          .execute(Tuple.of(bucket.atOffset(ZoneOffset.UTC)))
          .await();
    }

    deploy(
        vertx,
        Map.of(
            "retention",
            new JsonObject()
                .put("raw", Duration.ofHours(6).toMillis())
                .put("rollups", Duration.ofDays(2).toMillis())));

    List<Instant> samples = new ArrayList<>();
    pool.query("SELECT ts FROM stats.samples ORDER BY ts")
        .execute()
        .await()
        .forEach(row -> samples.add(row.getOffsetDateTime("ts").toInstant()));
    assertThat(samples).containsExactly(keptSample, NOW);
    List<Instant> buckets = new ArrayList<>();
    pool.query("SELECT DISTINCT bucket FROM stats.rollups ORDER BY bucket")
        .execute()
        .await()
        .forEach(row -> buckets.add(row.getOffsetDateTime("bucket").toInstant()));
    assertThat(buckets)
        .as("the 3-day-old rollup is gone; both samples were rolled up before the raw one expired")
        .containsExactly(NOW.minus(Duration.ofDays(1)), oldSample, keptSample);
  }

  @Test
  void infoReportsHostAndVersions(Vertx vertx) {
    deploy(vertx, Map.of());

    JsonObject info = Bus.request(vertx, Addresses.STATS_INFO, new JsonObject()).await();
    assertThat(info.getString("hostname")).isEqualTo("box");
    assertThat(info.getJsonObject("versions").getString("postgresql")).startsWith("1");
    assertThat(info.getJsonObject("versions").getString("vertx")).isEqualTo("5.0.10");
    assertThat(info.getJsonObject("versions").getString("java"))
        .isEqualTo(Runtime.version().toString());
    JsonObject uptime = info.getJsonObject("uptime");
    assertThat(Instant.parse(uptime.getString("startedAt"))).isBefore(Instant.now());
    assertThat(uptime.getLong("switchboardSeconds")).isNotNegative();
    assertThat(uptime.getLong("hostSeconds")).as("the fixture's uptime").isEqualTo(3600L);
  }

  @Test
  void withTheDatabaseGoneItsPingSaysSinceWhenAndWhyAndAnswersAgainOnceItIsBack(Vertx vertx) {
    DatabaseProxy proxy = DatabaseProxy.start(vertx, url);
    url = proxy.url();
    deploy(vertx, Map.of());
    assertThat(
            Bus.request(vertx, Addresses.ping(SystemStatsVerticle.NAME), new JsonObject())
                .await()
                .getString("status"))
        .isEqualTo("UP");

    Instant cut = Instant.now();
    proxy.cut();
    assertThatThrownBy(
            () ->
                Bus.request(vertx, Addresses.ping(SystemStatsVerticle.NAME), new JsonObject())
                    .await())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.getMessage()).startsWith("database: unreachable since ");
              // the reason is the pool's: its cut connection closed or reset, or a new one
              // refused, whichever the ping met first
              String[] sinceAndWhy =
                  e.getMessage().substring("database: unreachable since ".length()).split(": ", 2);
              assertThat(sinceAndWhy[1])
                  .containsAnyOf("Connection refused", "Connection reset", "CLOSED");
              Instant since = Instant.parse(sinceAndWhy[0]);
              assertThat(since)
                  .isAfterOrEqualTo(cut.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
            });

    proxy.restore();
    assertThat(
            Bus.request(vertx, Addresses.ping(SystemStatsVerticle.NAME), new JsonObject())
                .await()
                .getString("status"))
        .as("the pool makes new connections by itself")
        .isEqualTo("UP");
    proxy.close();
  }

  private void deploy(Vertx vertx, Map<String, Object> extra) {
    JsonObject config =
        new JsonObject()
            .put("interval", Duration.ofHours(1).toMillis())
            .put("database", new JsonObject().put("url", url).put("poolSize", 2));
    extra.forEach(config::put);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    vertx
        .deployVerticle(
            () ->
                new SystemStatsVerticle(
                    clock, cfg -> new HostSampler(new FixtureProbe(), FixtureProbe::gpus, clock)),
            new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setConfig(config))
        .await();
  }

  private static JsonObject history(Vertx vertx, JsonObject query) {
    return Bus.request(vertx, Addresses.STATS_HISTORY, query).await();
  }

  private static void assertInvalid(Vertx vertx, JsonObject query, String field) {
    assertThatThrownBy(() -> history(vertx, query))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.field()).isEqualTo(field);
            });
  }

  /** A 16 GiB host with a quarter of its memory in use, one half-full disk and one GPU. */
  static final class FixtureProbe implements HostProbe {

    @Override
    public HostReadings read() {
      return new HostReadings(
          "box",
          new CpuTicks(750, 1000),
          List.of(new CpuTicks(750, 1000)),
          List.of(0.5, 0.4, 0.3),
          16 * GIB,
          12 * GIB,
          0,
          0,
          List.of(new Filesystem("/", "/dev/vda1", "ext4", 100 * GIB, 50 * GIB, 50 * GIB)),
          Map.of("vda", new Traffic(0, 0)),
          Map.of("eth0", new Traffic(0, 0)),
          42,
          3600);
    }

    @Override
    public JsonObject info() {
      return new JsonObject().put("hostname", "box").put("gpus", new JsonArray());
    }

    static List<Gpu> gpus() {
      return List.of(
          new Gpu(0, "NVIDIA GeForce RTX 4090", 37, 52, 1234L << 20, 24564L << 20, 81.23));
    }
  }
}
