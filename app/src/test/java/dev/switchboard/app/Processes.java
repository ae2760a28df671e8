package dev.switchboard.app;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The launcher processes one test started; {@link #close()} kills what is still running, newest
 * first.
 */
final class Processes implements AutoCloseable {

  private final List<SwitchboardProcess> started = Collections.synchronizedList(new ArrayList<>());

  SwitchboardProcess start(SwitchboardProcess.Builder builder) {
    SwitchboardProcess process = builder.start();
    started.add(process);
    return process;
  }

  @Override
  public void close() {
    List<SwitchboardProcess> newestFirst = new ArrayList<>(started);
    Collections.reverse(newestFirst);
    newestFirst.forEach(SwitchboardProcess::close);
  }
}
