package dev.switchboard.supervisor.logs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The {@code supervisor.log_lines} table: batched inserts, queries for the API, retention. */
public final class LogStore {

  /** One statement whatever the batch size: five arrays, unnested into rows. */
  private static final String INSERT =
      "INSERT INTO supervisor.log_lines (source, seq, at, stream, line) "
          + "SELECT s, q, to_timestamp(a / 1e6), st, l FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[]) "
          + "AS t(s, q, a, st, l) ON CONFLICT DO NOTHING";

  private final Pool pool;

  public LogStore(Pool pool) {
    this.pool = pool;
  }

  /** A line with its source, for a batch that mixes sources. */
  record SourcedLine(String source, LogLine line) {}

  Future<Integer> insert(List<SourcedLine> rows) {
    int size = rows.size();
    String[] sources = new String[size];
    Long[] seqs = new Long[size];
    Long[] ats = new Long[size];
    String[] streams = new String[size];
    String[] lines = new String[size];
    for (int index = 0; index < size; index++) {
      SourcedLine row = rows.get(index);
      sources[index] = row.source();
      seqs[index] = row.line().seq();
      Instant at = row.line().at();
      ats[index] = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
      streams[index] = row.line().stream();
      lines[index] = row.line().line();
    }
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(sources, seqs, ats, streams, lines))
        .map(result -> result.rowCount());
  }

  public Future<Long> lastSeq(String source) {
    return pool.preparedQuery("SELECT max(seq) AS seq FROM supervisor.log_lines WHERE source = $1")
        .execute(Tuple.of(source))
        .map(
            rows -> {
              Long seq = rows.iterator().next().getLong("seq");
              return seq == null ? 0L : seq;
            });
  }

  /**
   * Lines of one source that match the query: without {@code after}, the newest {@code limit}; with
   * it, the first {@code limit} after that seq (for paging through everything). Oldest first.
   */
  public Future<List<LogLine>> query(String source, LogQuery q) {
    return query(source, q, Long.MAX_VALUE);
  }

  /** The lines of {@code source} that match, of those numbered up to {@code throughSeq}. */
  public Future<List<LogLine>> query(String source, LogQuery q, long throughSeq) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT seq, at, stream, line FROM supervisor.log_lines WHERE source = $1");
    List<Object> params = new ArrayList<>();
    params.add(source);
    if (throughSeq != Long.MAX_VALUE) {
      params.add(throughSeq);
      sql.append(" AND seq <= $").append(params.size());
    }
    if (q.since() != null) {
      params.add(OffsetDateTime.ofInstant(q.since(), ZoneOffset.UTC));
      sql.append(" AND at >= $").append(params.size());
    }
    if (q.until() != null) {
      params.add(OffsetDateTime.ofInstant(q.until(), ZoneOffset.UTC));
      sql.append(" AND at < $").append(params.size());
    }
    if (q.stream() != null) {
      params.add(q.stream());
      sql.append(" AND stream = $").append(params.size());
    }
    if (q.text() != null) {
      params.add(q.text().toLowerCase());
      sql.append(" AND strpos(lower(line), $").append(params.size()).append(") > 0");
    }
    if (q.after() != null) {
      params.add(q.after());
      sql.append(" AND seq > $").append(params.size()).append(" ORDER BY seq ASC");
    } else {
      sql.append(" ORDER BY seq DESC");
    }
    params.add(q.limit());
    sql.append(" LIMIT $").append(params.size());
    return pool.preparedQuery(sql.toString())
        .execute(Tuple.from(params))
        .map(
            rows -> {
              List<LogLine> lines = new ArrayList<>();
              for (Row row : rows) {
                lines.add(
                    new LogLine(
                        row.getLong("seq"),
                        row.getOffsetDateTime("at").toInstant(),
                        row.getString("stream"),
                        row.getString("line")));
              }
              if (q.after() == null) {
                Collections.reverse(lines);
              }
              return lines;
            });
  }

  /** Keeps the newest {@code maxLines} of a source. */
  public Future<Integer> trim(String source, long keepAfterSeq) {
    return pool.preparedQuery("DELETE FROM supervisor.log_lines WHERE source = $1 AND seq <= $2")
        .execute(Tuple.of(source, keepAfterSeq))
        .map(r -> r.rowCount());
  }

  /**
   * Keeps the newest lines of a source whose text adds up to at most {@code maxBytes}. The running
   * sum walks the primary key backwards from the newest line and stops at the first line past the
   * bound, so it reads only what is kept; {@code octet_length} takes a long line's size from its
   * TOAST header without reading it.
   */
  public Future<Integer> trimBytes(String source, long maxBytes) {
    return pool.preparedQuery(
            "DELETE FROM supervisor.log_lines WHERE source = $1 AND seq <= ("
                + "SELECT seq FROM (SELECT seq, sum(octet_length(line)) OVER (ORDER BY seq DESC) AS newer "
                + "FROM supervisor.log_lines WHERE source = $1 ORDER BY seq DESC) AS running WHERE newer > $2 LIMIT 1)")
        .execute(Tuple.of(source, maxBytes))
        .map(r -> r.rowCount());
  }

  /** Deletes every line older than {@code before}, whatever its source. */
  public Future<Integer> expire(Instant before) {
    return pool.preparedQuery("DELETE FROM supervisor.log_lines WHERE at < $1")
        .execute(Tuple.of(OffsetDateTime.ofInstant(before, ZoneOffset.UTC)))
        .map(r -> r.rowCount());
  }

  /**
   * What the stored log of a source accounts for: stdout lines stored, and lines its drop notes
   * report.
   */
  public record Accounting(long stored, long dropped) {}

  /**
   * Counts the stdout lines of a source and adds up its {@link LogSource#dropNote() drop notes}.
   */
  public Future<Accounting> accounting(String source) {
    return pool.preparedQuery(
            "SELECT (SELECT count(*) FROM supervisor.log_lines WHERE source = $1 AND stream = 'stdout') AS stored, "
                + "(SELECT coalesce(sum(substring(line FROM '^\\[switchboard\\] (\\d+) lines dropped')::bigint), 0) "
                + "FROM supervisor.log_lines WHERE source = $1 AND stream = $2) AS dropped")
        .execute(Tuple.of(source, LogLine.NOTE))
        .map(
            rows -> {
              Row row = rows.iterator().next();
              return new Accounting(row.getLong("stored"), row.getLong("dropped"));
            });
  }

  public Future<Integer> delete(String source) {
    return pool.preparedQuery("DELETE FROM supervisor.log_lines WHERE source = $1")
        .execute(Tuple.of(source))
        .map(r -> r.rowCount());
  }

  static JsonArray toJson(List<LogLine> lines) {
    JsonArray array = new JsonArray();
    lines.forEach(line -> array.add(line.toJson()));
    return array;
  }
}
