package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.observability.Telemetry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway serves and what its OpenAPI document describes are the same list: every route
 * with a method under {@code /api/} (and the operational {@code /health}, {@code /readiness},
 * {@code /metrics}) is an operation of the contract, and every operation is a route.
 */
class RouteContractTest {

  /** The paths outside {@code /api/} that the contract describes. */
  private static final Set<String> OPS_PATHS = Set.of("/health", "/readiness", "/metrics");

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Telemetry.vertxBuilder("test", new VertxOptions()).build();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void everyRouteIsAnOperationAndEveryOperationARoute() {
    GatewayVerticle gateway = new GatewayVerticle();
    vertx
        .deployVerticle(
            gateway,
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("port", 0)
                        .put("auth", new JsonObject().put("adminToken", "a-token-0123456789"))))
        .await();

    Set<String> served = new TreeSet<>();
    for (Route route : gateway.routes()) {
      String path = route.getPath();
      // routes without a method are filters (the bearer check, CORS); regex routes are the app's
      if (path == null || route.methods() == null || route.methods().isEmpty()) {
        continue;
      }
      if (path.startsWith("/api/") || OPS_PATHS.contains(path)) {
        for (HttpMethod method : route.methods()) {
          served.add(method + " " + path.replaceAll(":([^/]+)", "{$1}"));
        }
      }
    }
    Set<String> described = new TreeSet<>();
    OpenAPIContract contract = Contract.load(vertx).await();
    for (Operation operation : contract.operations()) {
      described.add(operation.getHttpMethod() + " " + operation.getOpenAPIPath());
    }

    assertThat(served).as("routes the gateway serves").isNotEmpty();
    assertThat(served)
        .as("routes missing from the contract: %s", difference(served, described))
        .isSubsetOf(described);
    assertThat(described)
        .as("operations no route serves: %s", difference(described, served))
        .isSubsetOf(served);
  }

  private static Set<String> difference(Set<String> left, Set<String> right) {
    Set<String> rest = new TreeSet<>(left);
    rest.removeAll(right);
    return rest;
  }
}
