package dev.switchboard.supervisor.deployment;

import dev.switchboard.supervisor.definition.ServiceDefinition;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * What a deployment does to the service it deploys, and nothing more: read its definition, replace
 * it, restart it, wait for it to be healthy. The supervisor implements it, so deployments depend on
 * these four operations rather than on the whole supervisor.
 */
public interface ServiceControl {

  /** The service's definition now, or null when there is no such service. */
  ServiceDefinition definition(String service);

  /** Replaces the service's definition, keeping where the definition came from. */
  Future<Void> redefine(String service, ServiceDefinition definition);

  /** Stops the service and starts it again; fails with the reason when it cannot start. */
  Future<Void> restart(String service);

  /** Completes once the service is healthy; fails when it is not within {@code timeout}. */
  Future<Void> awaitHealthy(String service, Duration timeout);
}
