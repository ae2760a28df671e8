package dev.switchboard.files.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxTest {

  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final Sandbox sandbox = new Sandbox(pool, Duration.ofMillis(300));

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  @Test
  void aStepThatHangsAndIgnoresInterruptsFailsWithinItsLimit() throws Exception {
    AtomicBoolean release = new AtomicBoolean();
    long started = System.nanoTime();
    try {
      assertThatThrownBy(
              () ->
                  sandbox.run(
                      "parsing",
                      () -> {
                        while (!release.get()) {
                          Thread.onSpinWait();
                        }
                        return "never seen";
                      }))
          .isInstanceOf(StepFailed.class)
          .hasMessage("parsing took longer than its limit of 300 ms");
    } finally {
      release.set(true);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    assertThat(sandbox.run("next", () -> "still working")).isEqualTo("still working");
  }

  @Test
  void aStepThatThrowsFailsWithItsReason() {
    assertThatThrownBy(
            () ->
                sandbox.run(
                    "parsing",
                    () -> {
                      throw new IllegalStateException("bad xref table");
                    }))
        .isInstanceOf(StepFailed.class)
        .hasMessage("parsing failed: IllegalStateException: bad xref table");
  }

  @Test
  void aStepThatRunsOutOfMemoryFailsWithoutHurtingTheCaller() {
    assertThatThrownBy(() -> sandbox.run("decoding", () -> new byte[Integer.MAX_VALUE]))
        .isInstanceOf(StepFailed.class)
        .hasMessageStartingWith("decoding failed: OutOfMemoryError");
  }

  @Test
  void aRefusalPassesThroughUnchanged() {
    assertThatThrownBy(
            () ->
                sandbox.run(
                    "checking",
                    () -> {
                      throw new Refused("not allowed");
                    }))
        .isInstanceOf(Refused.class)
        .hasMessage("not allowed");
  }

  @Test
  void aShutDownPoolFailsTheStep() {
    pool.shutdown();

    assertThatThrownBy(() -> sandbox.run("hashing", () -> "x"))
        .isInstanceOf(StepFailed.class)
        .hasMessageStartingWith("hashing: the analysis pool refused the work");
  }
}
