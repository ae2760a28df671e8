package dev.switchboard.supervisor.definition;

import dev.switchboard.common.config.Durations;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * When a service that ends by itself is started again, and when the supervisor gives up. The delay
 * before restart {@code n} is {@code initialDelay * 2^(n-1)}, capped at {@code maxDelay}; a run
 * that lasts {@code resetAfter} wipes the slate; {@code limit} failures within {@code window} end
 * in {@code errored}, which only an explicit start leaves.
 */
public record RestartPolicy(
    Policy policy,
    Duration initialDelay,
    Duration maxDelay,
    Duration resetAfter,
    int limit,
    Duration window) {

  public enum Policy {
    NO,
    ON_FAILURE,
    ALWAYS;

    public String wire() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Policy of(String wire) {
      for (Policy p : values()) {
        if (p.wire().equals(wire)) {
          return p;
        }
      }
      return null;
    }
  }

  public static final RestartPolicy DEFAULT =
      new RestartPolicy(
          Policy.ON_FAILURE,
          Duration.ofSeconds(1),
          Duration.ofSeconds(60),
          Duration.ofMinutes(1),
          5,
          Duration.ofMinutes(5));

  private static final Set<String> FIELDS =
      Set.of("policy", "initialDelay", "maxDelay", "resetAfter", "limit", "window");

  static RestartPolicy parse(Object value, String path) {
    if (value == null) {
      return DEFAULT;
    }
    if (value instanceof String shorthand) {
      return parse(new JsonObject().put("policy", shorthand), path);
    }
    Fields f = Fields.of(value, path);
    f.only(FIELDS);
    String wire =
        f.string("policy", null, "must be no, on-failure or always", DEFAULT.policy.wire());
    Policy policy = Policy.of(wire);
    if (policy == null) {
      throw ApiException.invalid(f.path("policy"), "must be no, on-failure or always");
    }
    Duration initial = f.duration("initialDelay", DEFAULT.initialDelay);
    Duration max = f.duration("maxDelay", DEFAULT.maxDelay);
    if (max.compareTo(initial) < 0) {
      throw ApiException.invalid(f.path("maxDelay"), "must not be shorter than initialDelay");
    }
    return new RestartPolicy(
        policy,
        initial,
        max,
        f.duration("resetAfter", DEFAULT.resetAfter),
        f.integer("limit", 1, 1000, DEFAULT.limit),
        f.duration("window", DEFAULT.window));
  }

  /** The wait before restart number {@code attempt} (1-based). */
  public Duration delay(int attempt) {
    long ms = initialDelay.toMillis();
    for (int i = 1; i < attempt && ms < maxDelay.toMillis(); i++) {
      ms *= 2;
    }
    return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
  }

  /**
   * Whether a run that ended with this exit restarts (exit null: killed by a signal or not ours to
   * know).
   */
  public boolean restarts(Integer exit, boolean failed) {
    return switch (policy) {
      case NO -> false;
      case ON_FAILURE -> failed;
      case ALWAYS -> true;
    };
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("policy", policy.wire())
        .put("initialDelay", Durations.format(initialDelay))
        .put("maxDelay", Durations.format(maxDelay))
        .put("resetAfter", Durations.format(resetAfter))
        .put("limit", limit)
        .put("window", Durations.format(window));
  }
}
