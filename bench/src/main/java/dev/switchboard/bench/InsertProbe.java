package dev.switchboard.bench;

import dev.switchboard.common.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How fast PostgreSQL takes log lines the way the supervisor's {@code LogStore} sends them (one
 * multi-row {@code INSERT ... SELECT FROM unnest(...)} of five arrays, {@code ON CONFLICT DO
 * NOTHING}, into a copy of {@code supervisor.log_lines} with its primary key and index), for
 * several batch sizes, inserts in flight and settings. Tells whether the pipeline's
 * one-insert-of-2000-at-a-time is the limit and what a small change would gain, without touching
 * the supervisor.
 */
final class InsertProbe {

  /** The statement of {@code LogStore.insert}, on the probe table. */
  private static final String INSERT =
      "INSERT INTO supervisor.%s (source, seq, at, stream, line) "
          + "SELECT s, q, to_timestamp(a / 1e6), st, l FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[]) "
          + "AS t(s, q, a, st, l) ON CONFLICT DO NOTHING";

  /**
   * The same rows with {@code at} sent as a timestamptz[] (no per-row numeric division in
   * to_timestamp).
   */
  private static final String INSERT_TIMESTAMPS =
      "INSERT INTO supervisor.%s (source, seq, at, stream, line) "
          + "SELECT s, q, a, st, l FROM unnest($1::text[], $2::int8[], $3::timestamptz[], $4::text[], $5::text[]) "
          + "AS t(s, q, a, st, l) ON CONFLICT DO NOTHING";

  /**
   * One configuration: rows per insert, inserts in flight, synchronous_commit, with the {@code at}
   * index, and whether {@code at} goes as timestamptz[] instead of microseconds through
   * to_timestamp.
   */
  record Config(
      String label, int batch, int inFlight, boolean syncCommit, String table, boolean timestamps) {
    Config(String label, int batch, int inFlight, boolean syncCommit, String table) {
      this(label, batch, inFlight, syncCommit, table, false);
    }
  }

  /** A copy of log_lines with its primary key and btree index on at, as shipped. */
  private static final String SHIPPED = "log_lines_probe";

  /** Primary key only. */
  private static final String NO_AT = "log_lines_probe_noat";

  /**
   * Primary key and a BRIN index on at (append-only, time-ordered: a few pages instead of a btree).
   */
  private static final String BRIN = "log_lines_probe_brin";

  static final List<Config> CONFIGS =
      List.of(
          new Config("as shipped: 2000 rows, 1 in flight", 2000, 1, true, SHIPPED),
          new Config("2000 rows, 2 in flight", 2000, 2, true, SHIPPED),
          new Config("5000 rows, 1 in flight", 5000, 1, true, SHIPPED),
          new Config("10000 rows, 1 in flight", 10000, 1, true, SHIPPED),
          new Config("5000 rows, 2 in flight", 5000, 2, true, SHIPPED),
          new Config("2000 rows, synchronous_commit=off", 2000, 1, false, SHIPPED),
          new Config("2000 rows, no index on at", 2000, 1, true, NO_AT),
          new Config("2000 rows, BRIN index on at", 2000, 1, true, BRIN),
          new Config("2000 rows, at as timestamptz[]", 2000, 1, true, SHIPPED, true),
          new Config("5000 rows, 2 in flight, timestamptz[]", 5000, 2, true, SHIPPED, true));

  private InsertProbe() {}

  static JsonObject run(
      Vertx vertx, String url, int seconds, int bytes, java.nio.file.Path pgData) {
    String line = new String(LogProducer.template(bytes), StandardCharsets.US_ASCII).strip();
    Pool admin = Database.pool(vertx, url, 1, "probe-admin");
    JsonArray results = new JsonArray();
    try {
      admin
          .query(
              "DROP TABLE IF EXISTS supervisor.log_lines_probe, supervisor.log_lines_probe_noat, supervisor.log_lines_probe_brin")
          .execute()
          .await();
      admin
          .query(
              "CREATE TABLE supervisor.log_lines_probe (LIKE supervisor.log_lines INCLUDING ALL)")
          .execute()
          .await();
      admin
          .query(
              "CREATE TABLE supervisor.log_lines_probe_noat (LIKE supervisor.log_lines INCLUDING CONSTRAINTS INCLUDING DEFAULTS)")
          .execute()
          .await();
      admin
          .query("ALTER TABLE supervisor.log_lines_probe_noat ADD PRIMARY KEY (source, seq)")
          .execute()
          .await();
      admin
          .query(
              "CREATE TABLE supervisor.log_lines_probe_brin (LIKE supervisor.log_lines_probe_noat INCLUDING ALL)")
          .execute()
          .await();
      admin
          .query("CREATE INDEX ON supervisor.log_lines_probe_brin USING brin (at)")
          .execute()
          .await();
      for (Config c : CONFIGS) {
        String table = c.table();
        admin.query("TRUNCATE supervisor." + table).execute().await();
        PgConnectOptions options = Database.connectOptions(url);
        if (!c.syncCommit()) {
          options.addProperty("synchronous_commit", "off");
        }
        Pool pool =
            PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(c.inFlight()).setName("probe"))
                .connectingTo(options)
                .using(vertx)
                .build();
        try {
          results.add(measure(pool, table, c, seconds, line, pgData));
        } finally {
          pool.close().await();
        }
        System.err.println(
            "logbench: insert probe "
                + c.label()
                + ": "
                + results.getJsonObject(results.size() - 1).getValue("rowsPerSecond")
                + " rows/s");
      }
      admin
          .query(
              "DROP TABLE IF EXISTS supervisor.log_lines_probe, supervisor.log_lines_probe_noat, supervisor.log_lines_probe_brin")
          .execute()
          .await();
    } finally {
      admin.close().await();
    }
    return new JsonObject().put("seconds", seconds).put("bytes", bytes).put("results", results);
  }

  private static JsonObject measure(
      Pool pool, String table, Config c, int seconds, String line, java.nio.file.Path pgData) {
    String sql = String.format(Locale.ROOT, c.timestamps() ? INSERT_TIMESTAMPS : INSERT, table);
    boolean ts = c.timestamps();
    AtomicLong seq = new AtomicLong();
    AtomicLong rows = new AtomicLong();
    AtomicLong inserts = new AtomicLong();
    // warm up: one insert per connection
    List<Future<Void>> warm = new ArrayList<>();
    for (int i = 0; i < c.inFlight(); i++) {
      warm.add(pool.preparedQuery(sql).execute(batch(c.batch(), seq, line, ts)).mapEmpty());
    }
    Future.all(warm).await();
    pool.query("TRUNCATE supervisor." + table).execute().await();
    long start = System.nanoTime();
    long jvm0 = ProcStats.cpuTicks(0);
    long pg0 = LogBench.CpuSnapshot.pgTicks(pgData);
    long deadline = start + seconds * 1_000_000_000L;
    List<Future<Void>> chains = new ArrayList<>();
    for (int i = 0; i < c.inFlight(); i++) {
      chains.add(chain(pool, sql, c.batch(), seq, line, ts, deadline, rows, inserts));
    }
    Future.all(chains).await();
    long elapsed = System.nanoTime() - start;
    double jvmCpu = ProcStats.cpuPercent(jvm0, ProcStats.cpuTicks(0), elapsed);
    double pgCpu =
        pg0 < 0
            ? Double.NaN
            : ProcStats.cpuPercent(pg0, LogBench.CpuSnapshot.pgTicks(pgData), elapsed);
    return new JsonObject()
        .put("label", c.label())
        .put("batch", c.batch())
        .put("inFlight", c.inFlight())
        .put("synchronousCommit", c.syncCommit())
        .put("table", c.table())
        .put("atAsTimestamptz", c.timestamps())
        .put("rows", rows.get())
        .put("inserts", inserts.get())
        .put("rowsPerSecond", Math.round(rows.get() * 1e9 / elapsed))
        .put(
            "msPerInsert",
            Math.round(elapsed / 1e4 / Math.max(1, inserts.get()) * c.inFlight()) / 100.0)
        .put("jvmCpuPercent", Math.round(jvmCpu))
        .put("pgCpuPercent", Double.isNaN(pgCpu) ? null : Math.round(pgCpu));
  }

  private static Future<Void> chain(
      Pool pool,
      String sql,
      int n,
      AtomicLong seq,
      String line,
      boolean ts,
      long deadline,
      AtomicLong rows,
      AtomicLong inserts) {
    if (System.nanoTime() >= deadline) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(sql)
        .execute(batch(n, seq, line, ts))
        .compose(
            r -> {
              rows.addAndGet(r.rowCount());
              inserts.incrementAndGet();
              return chain(pool, sql, n, seq, line, ts, deadline, rows, inserts);
            });
  }

  private static Tuple batch(int n, AtomicLong seq, String line, boolean ts) {
    String[] sources = new String[n];
    Long[] seqs = new Long[n];
    Long[] ats = new Long[n];
    java.time.OffsetDateTime[] times = ts ? new java.time.OffsetDateTime[n] : null;
    String[] streams = new String[n];
    String[] lines = new String[n];
    long first = seq.getAndAdd(n);
    long nowUs = System.currentTimeMillis() * 1000;
    for (int i = 0; i < n; i++) {
      sources[i] = "service:probe";
      seqs[i] = first + i + 1;
      ats[i] = nowUs + i;
      if (ts) {
        long us = nowUs + i;
        times[i] =
            java.time.Instant.ofEpochSecond(us / 1_000_000, us % 1_000_000 * 1000)
                .atOffset(java.time.ZoneOffset.UTC);
      }
      streams[i] = "stdout";
      lines[i] = line;
    }
    return ts
        ? Tuple.of(sources, seqs, times, streams, lines)
        : Tuple.of(sources, seqs, ats, streams, lines);
  }

  static void print(JsonObject probe, PrintStream out) {
    out.println(
        "PostgreSQL insert probe (LogStore's unnest INSERT, "
            + probe.getInteger("bytes")
            + "-byte lines, "
            + probe.getInteger("seconds")
            + " s each)");
    for (Object o : probe.getJsonArray("results")) {
      JsonObject r = (JsonObject) o;
      out.printf(
          Locale.ROOT,
          "  %-40s %,10d rows/s  %7.1f ms/insert  CPU %% JVM %4s  PostgreSQL %4s%n",
          r.getString("label"),
          r.getLong("rowsPerSecond"),
          r.getDouble("msPerInsert"),
          r.getValue("jvmCpuPercent"),
          r.getValue("pgCpuPercent"));
    }
  }
}
