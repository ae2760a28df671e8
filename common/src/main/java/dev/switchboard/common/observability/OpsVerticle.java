package dev.switchboard.common.observability;

import dev.switchboard.common.http.HostCheck;
import dev.switchboard.common.http.HttpServers;
import dev.switchboard.common.http.Problems;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.ext.web.Router;

/**
 * {@code /health}, {@code /readiness} and {@code /metrics} for a process that runs only worker
 * services, so that every process can be probed and scraped. Config slice: {@code port}, {@code
 * bindHost}, {@code process}.
 */
public final class OpsVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    Router router = Problems.install(Router.router(vertx));
    router.route().handler(HostCheck.fromConfig(config()));
    OpsRoutes.mount(router, vertx, config().getJsonObject("process"));
    return HttpServers.listen(
        vertx.createHttpServer().requestHandler(router),
        config().getString("bindHost", "127.0.0.1"),
        config().getInteger("port", 3008),
        "OPS_PORT");
  }
}
