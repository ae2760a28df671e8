package dev.switchboard.common.auth;

import java.util.Locale;

/**
 * What a request or a hub event does, as far as permissions go. Every route and every hub event
 * names the one action it needs; {@link Role} says which roles may do it.
 */
public enum Action {
  /** Look: API reads, joining a hub namespace, following logs, stats, rooms and file watches. */
  READ,
  /**
   * Run what exists: start, stop, restart and refresh services, deploy and cancel deployments,
   * upload files and confirm or reject them.
   */
  OPERATE,
  /**
   * Change what exists: create, edit and delete service definitions and assets, API tokens, and
   * read the audit log.
   */
  ADMINISTER,
  /** Send events to hub clients with {@code POST /emit}. */
  EMIT,
  /**
   * See secret values: a service's {@code env} in clear, in {@code GET /api/v1/services/{name}}.
   * Not a route's action of its own: a route that reads asks it to decide what it shows.
   */
  READ_SECRETS;

  /** Lower case, as messages show it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
