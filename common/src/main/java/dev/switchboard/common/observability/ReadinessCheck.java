package dev.switchboard.common.observability;

import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;

/**
 * A check of {@code /readiness} that a module above {@code common} contributes, found with {@link
 * java.util.ServiceLoader} (list the implementation in {@code
 * META-INF/services/dev.switchboard.common.observability.ReadinessCheck}).
 *
 * <p>It exists so that what only some processes need stays out of {@code common}: the launcher's
 * cluster check needs Hazelcast, which a service module should not carry.
 */
public interface ReadinessCheck {

  /** The check's id in the {@code /readiness} body. */
  String name();

  /**
   * Whether the check belongs to this Vert.x instance (the cluster's only when it is clustered).
   */
  boolean appliesTo(Vertx vertx);

  /** The procedure {@code /readiness} runs. */
  Handler<Promise<Status>> procedure(Vertx vertx);
}
