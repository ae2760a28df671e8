package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.observability.ReadinessCheck;
import io.vertx.core.Vertx;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ClusterReadinessTest {

  @Test
  void commonsOpsRoutesFindTheClusterCheckOnTheLaunchersClasspath() {
    assertThat(ServiceLoader.load(ReadinessCheck.class, ReadinessCheck.class.getClassLoader()))
        .hasAtLeastOneElementOfType(ClusterReadiness.class);
  }

  @Test
  void appliesOnlyToAClusteredVertx() {
    Vertx vertx = Vertx.vertx();
    try {
      assertThat(new ClusterReadiness().appliesTo(vertx)).isFalse();
    } finally {
      vertx.close().await();
    }
  }
}
