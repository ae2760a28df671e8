package dev.switchboard.stats;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.db.Backoff;
import dev.switchboard.common.db.Database;
import dev.switchboard.common.db.DatabaseStatus;
import dev.switchboard.common.db.Outage;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.observability.Ping;
import dev.switchboard.common.observability.Telemetry;
import dev.switchboard.stats.sampling.HostSampler;
import dev.switchboard.stats.sampling.SampleMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the host every {@code interval}, publishes each sample on {@code stats.system}, stores
 * it, rolls the samples up per minute and enforces retention; answers {@code stats.latest}, {@code
 * stats.history} and {@code stats.info}. Runs as a worker verticle: sampling blocks briefly (it
 * reads /proc and may run nvidia-smi).
 *
 * <p>Config slice: {@code interval}, {@code retention.raw}, {@code retention.rollups}
 * (milliseconds), {@code nvidiaSmi}, {@code database.url}, {@code database.poolSize}.
 */
public final class SystemStatsVerticle extends VerticleBase {

  public static final String NAME = "system-stats";
  private static final Logger LOG = LoggerFactory.getLogger(SystemStatsVerticle.class);
  private static final Duration RETENTION_EVERY = Duration.ofMinutes(10);

  /**
   * While the database is away a sample is stored at most this often; those in between are not
   * kept.
   */
  private static final Duration MAX_RETRY = Duration.ofSeconds(30);

  private final Clock clock;
  private final Function<JsonObject, HostSampler> samplers;

  private Pool pool;
  private StatsStore store;
  private DatabaseStatus database;
  private Outage outage;
  private long unstored;
  private HostSampler sampler;
  private HostGauges gauges;
  private Duration interval;
  private JsonObject latest;
  private Instant rolledUntil;
  private Instant nextRetention = Instant.MIN;

  public SystemStatsVerticle() {
    this(Clock.systemUTC(), HostSampler::forHost);
  }

  /** For tests: a fixed or stepping clock, and a sampler on fixture readings. */
  public SystemStatsVerticle(Clock clock, Function<JsonObject, HostSampler> samplers) {
    this.clock = clock;
    this.samplers = samplers;
  }

  @Override
  public Future<?> start() {
    JsonObject db = config().getJsonObject("database", new JsonObject());
    interval = Duration.ofMillis(config().getLong("interval", 10_000L));
    pool = Database.pool(vertx, db.getString("url"), db.getInteger("poolSize", 4), "stats");
    store = new StatsStore(pool);
    database = new DatabaseStatus(pool, Clock.systemUTC());
    outage =
        new Outage(
            "storing host samples",
            new Backoff(interval, MAX_RETRY.compareTo(interval) < 0 ? interval : MAX_RETRY),
            database,
            Clock.systemUTC(),
            () -> unstored + " samples were not stored (the history has a gap there)");
    sampler = samplers.apply(config());
    gauges = new HostGauges(Telemetry.registry());
    return store
        .rollupResume()
        .onSuccess(resume -> rolledUntil = resume.orElse(null))
        .compose(
            ignored ->
                Future.all(
                    Bus.serve(vertx, Addresses.STATS_LATEST, query -> latest()),
                    Bus.serve(vertx, Addresses.STATS_HISTORY, this::history),
                    Bus.serve(vertx, Addresses.STATS_INFO, query -> info()),
                    Ping.answer(vertx, NAME, database::check)))
        .compose(ignored -> tick())
        .onSuccess(ignored -> vertx.setPeriodic(interval.toMillis(), id -> tick()));
  }

  @Override
  public Future<?> stop() {
    gauges.close();
    return pool.close();
  }

  /**
   * One sampling round: sample, publish, store, roll up finished minutes, and now and then apply
   * retention. While the database is away the sample is still published, and stored only when the
   * outage's backoff allows a try.
   */
  Future<Void> tick() {
    JsonObject sample;
    try {
      sample = sampler.sample();
    } catch (RuntimeException e) {
      LOG.warn("sampling the host failed", e);
      return Future.succeededFuture();
    }
    latest = sample;
    gauges.update(sample);
    vertx.eventBus().publish(Addresses.STATS_SYSTEM, sample);
    Instant ts = Instant.parse(sample.getString("timestamp"));
    Map<String, Double> metrics = SampleMetrics.flatten(sample);
    if (!outage.mayTry()) {
      unstored++;
      return Future.succeededFuture();
    }
    return store
        .insert(ts, sample, metrics)
        .compose(ignored -> rollUp(ts))
        .compose(ignored -> applyRetention(ts))
        .onSuccess(
            ignored -> {
              outage.succeeded();
              unstored = 0;
            })
        .onFailure(
            err -> {
              unstored++;
              outage.failed(err);
            })
        .recover(err -> Future.succeededFuture());
  }

  private Future<Void> rollUp(Instant now) {
    Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
    if (rolledUntil == null) {
      rolledUntil = minute;
    }
    if (!rolledUntil.isBefore(minute)) {
      return Future.succeededFuture();
    }
    Instant from = rolledUntil;
    return store.rollUp(from, minute).onSuccess(ignored -> rolledUntil = minute);
  }

  Future<Void> applyRetention(Instant now) {
    if (now.isBefore(nextRetention)) {
      return Future.succeededFuture();
    }
    nextRetention = now.plus(RETENTION_EVERY);
    JsonObject retention = config().getJsonObject("retention", new JsonObject());
    Instant rawCutoff = now.minusMillis(retention.getLong("raw", Duration.ofHours(24).toMillis()));
    Instant rollupCutoff =
        now.minusMillis(retention.getLong("rollups", Duration.ofDays(30).toMillis()));
    return store
        .deleteBefore(rawCutoff, rollupCutoff)
        .onSuccess(
            deleted -> {
              if (deleted > 0) {
                LOG.debug("retention removed {} rows", deleted);
              }
            })
        .mapEmpty();
  }

  private Future<JsonObject> latest() {
    if (latest != null) {
      return Future.succeededFuture(latest);
    }
    return store
        .latest()
        .map(
            stored ->
                stored.orElseThrow(() -> ApiException.unavailable("no sample has been taken yet")));
  }

  private Future<JsonObject> history(JsonObject query) {
    HistoryRange range = HistoryRange.parse(query, clock.instant(), interval);
    JsonObject answer =
        new JsonObject()
            .put("from", range.from().toString())
            .put("to", range.to().toString())
            .put("step", range.stepName())
            .put("source", range.raw() ? "samples" : "rollups");
    if (range.raw()) {
      return store
          .raw(range.from(), range.to())
          .map(
              rows -> {
                JsonArray points = new JsonArray();
                for (Row row : rows) {
                  points.add(
                      new JsonObject()
                          .put("timestamp", row.getOffsetDateTime("ts").toInstant().toString())
                          .put("values", row.getJsonObject("metrics")));
                }
                return answer.put("points", points);
              });
    }
    return store
        .rollups(range.from(), range.to(), range.step().toSeconds())
        .map(
            rows -> {
              Map<String, JsonObject> points = new LinkedHashMap<>();
              for (Row row : rows) {
                String ts = row.getOffsetDateTime("t").toInstant().toString();
                JsonObject point =
                    points.computeIfAbsent(
                        ts,
                        t ->
                            new JsonObject()
                                .put("timestamp", t)
                                .put("values", new JsonObject())
                                .put("max", new JsonObject()));
                String metric = row.getString("metric");
                point.getJsonObject("values").put(metric, round(row.getDouble("avg")));
                point.getJsonObject("max").put(metric, row.getDouble("max"));
              }
              return answer.put(
                  "points",
                  new JsonArray(points.values().stream().map(Object.class::cast).toList()));
            });
  }

  private Future<JsonObject> info() {
    return vertx
        .executeBlocking(sampler::info)
        .compose(
            host ->
                store
                    .serverVersion()
                    .map(Optional::of)
                    .otherwise(Optional.empty())
                    .map(
                        pg ->
                            host.put("versions", Versions.all(pg.orElse(null)))
                                .put("uptime", uptime())));
  }

  /**
   * How long this Switchboard process (the JVM that runs system-stats) and the host have been up:
   * the host's from the latest sample, null before the first.
   */
  private JsonObject uptime() {
    RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
    Object host = latest == null ? null : latest.getValue("uptimeSeconds");
    return new JsonObject()
        .put("startedAt", Instant.ofEpochMilli(runtime.getStartTime()).toString())
        .put("switchboardSeconds", runtime.getUptime() / 1000)
        .put("hostSeconds", host);
  }

  private static double round(double value) {
    return Math.round(value * 100.0) / 100.0;
  }
}
