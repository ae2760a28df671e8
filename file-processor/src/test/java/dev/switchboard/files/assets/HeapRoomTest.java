package dev.switchboard.files.assets;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.switchboard.common.observability.HeapFreeRatios;
import dev.switchboard.common.testing.Eventually;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The heap's free ratios of this JVM, widened while files are processed and put back after. */
class HeapRoomTest {

  private static final HotSpotDiagnosticMXBean VM =
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

  private final Vertx vertx = Vertx.vertx();
  // the test JVM's own ratios (HotSpot's defaults, the values HeapRoom widens to), put back after
  private final String jvmMin = ratio("MinHeapFreeRatio");
  private final String jvmMax = ratio("MaxHeapFreeRatio");
  // as jvm.options sets them, for the test
  private final String min = "10";
  private final String max = "20";

  private static String ratio(String name) {
    return VM.getVMOption(name).getValue();
  }

  @BeforeEach
  void tight() {
    // no holder left by another test of this JVM (a processing queue that was not stopped)
    while (HeapFreeRatios.restore()) {}
    VM.setVMOption("MinHeapFreeRatio", min);
    VM.setVMOption("MaxHeapFreeRatio", max);
  }

  @AfterEach
  void restore() {
    while (HeapFreeRatios.restore()) {}
    VM.setVMOption("MaxHeapFreeRatio", jvmMax);
    VM.setVMOption("MinHeapFreeRatio", jvmMin);
    vertx.close().await();
  }

  @Test
  void whileFilesAreProcessedTheHeapKeepsRoomAndAfterAnIdleSpellTheRatiosAreAsTheyWere() {
    HeapRoom room = new HeapRoom(vertx, Duration.ofMillis(200));

    vertx.runOnContext(v -> room.working());
    Eventually.within(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(room.roomy()).isTrue());
    assertThat(ratio("MinHeapFreeRatio")).isEqualTo("" + HeapRoom.MIN_FREE_WORKING);
    assertThat(ratio("MaxHeapFreeRatio")).isEqualTo("" + HeapRoom.MAX_FREE_WORKING);

    vertx.runOnContext(v -> room.idle());
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(room.roomy()).isFalse());
    assertThat(ratio("MinHeapFreeRatio")).isEqualTo(min);
    assertThat(ratio("MaxHeapFreeRatio")).isEqualTo(max);
  }

  @Test
  void workThatComesBackWithinTheIdleSpellKeepsTheRoom() throws Exception {
    HeapRoom room = new HeapRoom(vertx, Duration.ofMillis(300));

    vertx.runOnContext(
        v -> {
          room.working();
          room.idle();
          vertx.setTimer(100, t -> room.working());
        });
    Thread.sleep(800);

    assertThat(room.roomy()).isTrue();
    assertThat(ratio("MaxHeapFreeRatio")).isEqualTo("" + HeapRoom.MAX_FREE_WORKING);
  }

  @Test
  void aQueueThatStopsGivesTheRoomBackAtOnce() {
    HeapRoom room = new HeapRoom(vertx, Duration.ofMinutes(5));
    vertx.runOnContext(
        v -> {
          room.working();
          room.idle();
        });
    Eventually.within(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(room.roomy()).isTrue());

    vertx.runOnContext(v -> room.release());
    Eventually.within(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(room.roomy()).isFalse());
    assertThat(ratio("MinHeapFreeRatio")).isEqualTo(min);
    assertThat(ratio("MaxHeapFreeRatio")).isEqualTo(max);
    assertThat(HeapFreeRatios.restore()).as("no holder is left behind").isFalse();
  }
}
