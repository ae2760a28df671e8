package dev.switchboard.supervisor;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.supervisor.definition.Dependency;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import dev.switchboard.supervisor.deployment.ServiceControl;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * The supervisor's managed services as deployments see them: {@link ServiceControl} over {@link
 * Supervisor}.
 */
final class SupervisorServiceControl implements ServiceControl {

  private final Supervisor supervisor;

  SupervisorServiceControl(Supervisor supervisor) {
    this.supervisor = supervisor;
  }

  @Override
  public ServiceDefinition definition(String service) {
    ManagedService managed = supervisor.service(service);
    return managed == null ? null : managed.definition();
  }

  @Override
  public Future<Void> redefine(String service, ServiceDefinition definition) {
    return existing(service)
        .compose(managed -> supervisor.update(service, definition, managed.source()))
        .mapEmpty();
  }

  @Override
  public Future<Void> restart(String service) {
    return existing(service).compose(ManagedService::restart);
  }

  @Override
  public Future<Void> awaitHealthy(String service, Duration timeout) {
    return existing(service)
        .compose(managed -> managed.await(Dependency.Condition.HEALTHY, timeout));
  }

  private Future<ManagedService> existing(String service) {
    ManagedService managed = supervisor.service(service);
    return managed == null
        ? Future.failedFuture(ApiException.notFound("no service named " + service))
        : Future.succeededFuture(managed);
  }
}
