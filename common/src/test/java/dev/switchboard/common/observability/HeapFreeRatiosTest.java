package dev.switchboard.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** This JVM's heap free ratios, changed and put back through their one owner. */
class HeapFreeRatiosTest {

  private static final HotSpotDiagnosticMXBean VM =
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

  // the test JVM runs with HotSpot's defaults (40, 70): widened to other values, so that a ratio
  // left widened shows
  private final String min = ratio("MinHeapFreeRatio");
  private final String max = ratio("MaxHeapFreeRatio");

  private static String ratio(String name) {
    return VM.getVMOption(name).getValue();
  }

  @AfterEach
  void restore() {
    while (HeapFreeRatios.restore()) {}
  }

  @Test
  void widenedRatiosArePutBackAsTheyWere() {
    assertThat(List.of(min, max)).doesNotContain("55", "85");
    assertThat(HeapFreeRatios.widen(55, 85)).isTrue();
    assertThat(HeapFreeRatios.widen(55, 85)).as("a second holder").isTrue();
    assertThat(List.of(ratio("MinHeapFreeRatio"), ratio("MaxHeapFreeRatio")))
        .containsExactly("55", "85");

    assertThat(HeapFreeRatios.restore()).isTrue();
    assertThat(List.of(ratio("MinHeapFreeRatio"), ratio("MaxHeapFreeRatio")))
        .as("the other holder still holds them")
        .containsExactly("55", "85");
    assertThat(HeapFreeRatios.restore()).isTrue();

    assertThat(List.of(ratio("MinHeapFreeRatio"), ratio("MaxHeapFreeRatio")))
        .containsExactly(min, max);
    assertThat(HeapFreeRatios.restore()).as("nothing left to put back").isFalse();
  }

  /**
   * Bug: the hub's collection after a storm and file-processor's room in the heap changed the
   * ratios from two event loops; a give-back during the collection was undone when the collection
   * put back what it had read (the widened ratios), and they stayed widened.
   */
  @Test
  void aGiveBackFromAnotherThreadDuringACollectionIsNotUndoneByIt() throws Exception {
    assertThat(List.of(min, max)).doesNotContain("55", "85");
    HeapFreeRatios.widen(55, 85);
    List<String> during = new ArrayList<>();
    Thread giveBack = new Thread(HeapFreeRatios::restore);

    HeapFreeRatios.collectWith(
        5,
        () -> {
          during.add(ratio("MinHeapFreeRatio"));
          during.add(ratio("MaxHeapFreeRatio"));
          giveBack.start();
          try {
            giveBack.join(300);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    giveBack.join();

    assertThat(during).containsExactly("5", "5");
    assertThat(List.of(ratio("MinHeapFreeRatio"), ratio("MaxHeapFreeRatio")))
        .as("the give-back's ratios, not the collection's")
        .containsExactly(min, max);
  }
}
