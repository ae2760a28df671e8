package dev.switchboard.app;

import dev.switchboard.common.observability.ReadinessCheck;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;

/**
 * The {@code cluster} check of {@code /readiness} in a process started with {@code --cluster}: up
 * while Hazelcast's partitions are safe. It lives here, beside the cluster manager ({@link
 * Clustering}), so that only the launcher carries Hazelcast; {@code common}'s ops routes find it
 * through {@code META-INF/services}.
 */
public final class ClusterReadiness implements ReadinessCheck {

  @Override
  public String name() {
    return "cluster";
  }

  @Override
  public boolean appliesTo(Vertx vertx) {
    return vertx.isClustered();
  }

  @Override
  public Handler<Promise<Status>> procedure(Vertx vertx) {
    return ClusterHealthCheck.createProcedure(vertx);
  }
}
