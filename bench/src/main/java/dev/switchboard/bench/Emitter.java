package dev.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Publishes benchmark events through {@code POST /emit} on its own event loop, over a small pool of
 * keep-alive connections. Emits follow a fixed schedule (rate R: emit i is due at start + i/R);
 * each carries its scheduled time, so a generator or server that falls behind shows up as latency
 * rather than as a quietly lower rate.
 */
final class Emitter extends VerticleBase {

  private final BenchConfig cfg;
  private final long origin;
  private final String namespaceJson;
  private final String eventJson;
  private HttpClient http;
  private RequestOptions requestOptions;

  // touched only on this event loop
  private long sent;
  private long accepted;
  private long failed;
  private long answered;
  private long maxLagNanos;
  private final Histogram httpUs = LatencySummary.newHistogram();
  private final Map<String, Integer> failures = new TreeMap<>();
  private long seq;

  Emitter(BenchConfig cfg, long origin) {
    this.cfg = cfg;
    this.origin = origin;
    this.namespaceJson = BenchPayload.jsonString(cfg.namespace);
    this.eventJson = BenchPayload.jsonString(cfg.event);
  }

  /** Counters since the last {@link #reset}. */
  record Snapshot(
      long sent,
      long accepted,
      long failed,
      long pending,
      double maxLagMs,
      Histogram httpUs,
      Map<String, Integer> failures) {}

  @Override
  public Future<?> start() {
    http =
        vertx.createHttpClient(
            // idle connections are dropped before a server would (Node closes them after 5 s) to
            // avoid a race
            new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(4)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setDefaultHost(cfg.host())
                .setDefaultPort(cfg.port()),
            new PoolOptions().setHttp1MaxSize(cfg.emitConnections).setMaxWaitQueueSize(-1));
    requestOptions =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(cfg.host())
            .setPort(cfg.port())
            .setURI("/emit")
            .setTimeout(60_000)
            .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + cfg.emitToken)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    return Future.succeededFuture();
  }

  /** Resets the counters (on the emitter's loop). */
  Future<Void> reset() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(
        v -> {
          sent = 0;
          accepted = 0;
          failed = 0;
          answered = 0;
          maxLagNanos = 0;
          httpUs.reset();
          failures.clear();
          p.complete();
        });
    return p.future();
  }

  Future<Snapshot> snapshot() {
    Promise<Snapshot> p = Promise.promise();
    context.runOnContext(
        v ->
            p.complete(
                new Snapshot(
                    sent,
                    accepted,
                    failed,
                    sent - answered,
                    maxLagNanos / 1e6,
                    httpUs.copy(),
                    new TreeMap<>(failures))));
    return p.future();
  }

  /**
   * Sends {@code rate} emits per second for {@code seconds}; resolves with the {@code
   * System.nanoTime()} at which the last one was handed to the HTTP client (responses may still be
   * outstanding).
   */
  Future<Long> runStep(long step, double rate, double seconds) {
    Promise<Long> promise = Promise.promise();
    context.runOnContext(
        v -> {
          long total = Math.max(1, Math.round(rate * seconds));
          double periodNanos = 1e9 / rate;
          long start = System.nanoTime();
          long[] issued = {0};
          StringBuilder sb = new StringBuilder(256 * cfg.batch);
          Handler<Long> pump =
              id -> {
                long now = System.nanoTime();
                long due = Math.min(total, (long) ((now - start) / periodNanos) + 1);
                while (issued[0] < due) {
                  int n = (int) Math.min(cfg.batch, due - issued[0]);
                  sb.setLength(0);
                  if (cfg.batch > 1) {
                    sb.append('[');
                  }
                  for (int i = 0; i < n; i++) {
                    long intended = start + (long) ((issued[0] + i) * periodNanos);
                    if (i == 0) {
                      maxLagNanos = Math.max(maxLagNanos, now - intended);
                    }
                    if (i > 0) {
                      sb.append(',');
                    }
                    BenchPayload.appendEmit(
                        sb,
                        namespaceJson,
                        eventJson,
                        intended - origin,
                        seq++,
                        (int) step,
                        cfg.payloadBytes);
                  }
                  if (cfg.batch > 1) {
                    sb.append(']');
                  }
                  post(Buffer.buffer(sb.toString()), n);
                  issued[0] += n;
                }
                if (issued[0] >= total) {
                  if (id >= 0) {
                    vertx.cancelTimer(id);
                  }
                  promise.tryComplete(now);
                }
              };
          long timer = vertx.setPeriodic(1, pump);
          pump.handle(-1L);
          if (promise.future().isComplete()) {
            vertx.cancelTimer(timer);
          }
        });
    return promise.future();
  }

  /** One emit to the whole namespace, stamped now; resolves when the server has answered. */
  Future<Void> single(long step) {
    Promise<Void> promise = Promise.promise();
    context.runOnContext(
        v -> {
          StringBuilder sb = new StringBuilder(256);
          BenchPayload.appendEmit(
              sb,
              namespaceJson,
              eventJson,
              System.nanoTime() - origin,
              seq++,
              (int) step,
              cfg.payloadBytes);
          post(Buffer.buffer(sb.toString()), 1).onComplete(ar -> promise.complete());
        });
    return promise.future();
  }

  private Future<Void> post(Buffer body, int emits) {
    long t0 = System.nanoTime();
    sent += emits;
    return http.request(requestOptions)
        .compose(req -> req.send(body))
        .compose(
            resp ->
                resp.body()
                    .map(
                        b -> {
                          if (resp.statusCode() != 202) {
                            throw new IllegalStateException("HTTP " + resp.statusCode());
                          }
                          return b;
                        }))
        .<Void>map(
            b -> {
              int n = emits;
              try {
                n = new JsonObject(b).getInteger("accepted", emits);
              } catch (RuntimeException e) {
                // a server that answers 202 without the count: take the request's
              }
              accepted += n;
              failed += emits - n;
              return null;
            })
        .recover(
            err -> {
              failed += emits;
              String m =
                  err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
              failures.merge(m.length() > 100 ? m.substring(0, 100) : m, emits, Integer::sum);
              return Future.succeededFuture();
            })
        .onComplete(
            ar -> {
              answered += emits;
              httpUs.recordValue(Math.max(0, (System.nanoTime() - t0) / 1000));
            });
  }
}
