package dev.switchboard.supervisor;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.supervisor.definition.ServiceDefinition;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's start, once and in this order: the stored services come back, the config file's
 * {@code services:} section is applied over them (through the supervisor's own create and update,
 * so a file's definition is checked as an API request is), the processes a previous supervisor left
 * are adopted or ended ({@link Orphans}), and what is wanted starts: services that were running,
 * and those marked {@code autostart}. It fills the supervisor's map of services and its set of
 * services the file no longer declares, which it is handed.
 */
final class StartUp {

  private static final Logger LOG = LoggerFactory.getLogger(StartUp.class);

  private final Supervisor supervisor;
  private final ServiceContext context;
  private final Map<String, ManagedService> services;
  private final Set<String> undeclared;
  private final Orphans orphans;

  StartUp(
      Supervisor supervisor,
      ServiceContext context,
      Map<String, ManagedService> services,
      Set<String> undeclared) {
    this.supervisor = supervisor;
    this.context = context;
    this.services = services;
    this.undeclared = undeclared;
    this.orphans = new Orphans(context.options(), context.clock());
  }

  /**
   * Loads, applies {@code declared}, recovers, starts; completes when the wanted services have been
   * asked to start.
   */
  Future<Void> run(List<ServiceDefinition> declared) {
    return context
        .store()
        .all()
        .compose(
            stored -> {
              List<Future<Void>> opened = new ArrayList<>();
              for (ServiceStore.Stored row : stored) {
                ServiceDefinition definition;
                try {
                  definition = ServiceDefinition.parse(row.definition());
                } catch (ApiException e) {
                  LOG.warn(
                      "stored service {} no longer reads as a definition ({}: {}); skipped",
                      row.definition().getString("name"),
                      e.field(),
                      e.getMessage());
                  continue;
                }
                ManagedService service =
                    new ManagedService(
                        context, definition, row.source(), row.createdAt(), row.updatedAt());
                services.put(definition.name(), service);
                opened.add(service.openLogs());
              }
              return Future.all(opened)
                  .compose(v -> applyDeclared(declared))
                  .compose(v -> recover(stored))
                  .map(
                      v -> {
                        startWanted(stored);
                        return null;
                      });
            });
  }

  private Future<Void> applyDeclared(List<ServiceDefinition> declared) {
    Set<String> names = new HashSet<>();
    Future<Void> chain = Future.succeededFuture();
    for (ServiceDefinition definition : declared) {
      names.add(definition.name());
      ManagedService known = services.get(definition.name());
      if (known == null) {
        chain = chain.compose(v -> supervisor.create(definition, "file").mapEmpty());
      } else if (!known.definition().equals(definition) || !"file".equals(known.source())) {
        chain =
            chain.compose(v -> supervisor.update(definition.name(), definition, "file").mapEmpty());
      }
    }
    return chain.onSuccess(
        applied ->
            services.values().stream()
                .filter(
                    service -> "file".equals(service.source()) && !names.contains(service.name()))
                .forEach(
                    service -> {
                      undeclared.add(service.name());
                      LOG.warn(
                          "service {} is no longer in the services: section of the config file; it is kept (and left running "
                              + "if it runs): DELETE /api/v1/services/{} removes it",
                          service.name(),
                          service.name());
                    }));
  }

  /** Each recorded process is adopted or ended; a failure leaves that service to start afresh. */
  private Future<Void> recover(List<ServiceStore.Stored> stored) {
    List<Future<Void>> found = new ArrayList<>();
    for (ServiceStore.Stored row : stored) {
      ManagedService service = services.get(row.definition().getString("name"));
      if (service == null || row.pid() == null) {
        continue;
      }
      found.add(
          context
              .blocking(() -> orphans.recover(row))
              .<Void>map(
                  adoptable -> {
                    adoptable.ifPresentOrElse(
                        adopted -> service.adopt(adopted.process(), adopted.pipes()),
                        service::forgetProcess);
                    return null;
                  })
              .recover(
                  failure -> {
                    // the service starts afresh (if it is wanted); what it left behind may still
                    // run
                    LOG.warn(
                        "service {}: recovering pid {}, left by a previous supervisor, failed: {}",
                        service.name(),
                        row.pid(),
                        failure.toString());
                    return Future.succeededFuture();
                  }));
    }
    return Future.all(found).mapEmpty();
  }

  private void startWanted(List<ServiceStore.Stored> stored) {
    for (ServiceStore.Stored row : stored) {
      ManagedService service = services.get(row.definition().getString("name"));
      if (service != null
          && !service.state().active()
          && ("running".equals(row.desired()) || service.definition().autostart())) {
        start(service);
      }
    }
    for (ManagedService service : services.values()) {
      if (service.definition().autostart() && !service.state().active() && !service.wanted()) {
        start(service);
      }
    }
  }

  private static void start(ManagedService service) {
    service.start().onFailure(failure -> LOG.warn("{}", failure.getMessage()));
  }
}
