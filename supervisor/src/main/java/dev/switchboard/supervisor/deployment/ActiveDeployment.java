package dev.switchboard.supervisor.deployment;

import dev.switchboard.supervisor.process.StepProcess;

/**
 * A deployment in memory while it is queued or running: what was asked for, and what a cancel needs
 * to know (the step process running, if any, and whether the health gate has begun). Only the
 * supervisor's event loop touches it.
 */
final class ActiveDeployment {

  final long id;
  final DeploymentRequest request;
  StepProcess process;
  boolean cancelled;
  boolean inGate;

  ActiveDeployment(long id, DeploymentRequest request) {
    this.id = id;
    this.request = request;
  }

  String sourceId() {
    return sourceId(id);
  }

  /** The deployment's output in the log pipeline and the database. */
  static String sourceId(long id) {
    return "deployment:" + id;
  }
}
