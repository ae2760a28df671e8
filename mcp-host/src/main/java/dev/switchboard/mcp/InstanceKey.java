package dev.switchboard.mcp;

/**
 * What picks an instance: the server, and for a {@code per-project} server the project (empty for a
 * {@code shared} one).
 */
record InstanceKey(String server, String project) {

  @Override
  public String toString() {
    return project.isEmpty() ? server : server + ":" + project;
  }
}
