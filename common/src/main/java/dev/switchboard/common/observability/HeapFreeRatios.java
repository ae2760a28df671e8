package dev.switchboard.common.observability;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heap's free ratios, HotSpot's manageable {@code MinHeapFreeRatio} and {@code
 * MaxHeapFreeRatio}: how much free heap the collector keeps after a full collection. {@code
 * jvm.options} sets them low for a hub's many idle connections. Services change them for a while:
 *
 * <ul>
 *   <li>the hub for one collection after a reconnect storm ({@link #collectWith});
 *   <li>file-processor while it processes files ({@link #widen}, {@link #restore}).
 * </ul>
 *
 * <p>One owner for the whole process: every change happens under one lock, so a collection and a
 * widening on two event loops cannot leave the ratios at each other's values. Where HotSpot's flags
 * cannot be read or changed, nothing is changed and a collection just runs.
 */
public final class HeapFreeRatios {

  private static final Logger LOG = LoggerFactory.getLogger(HeapFreeRatios.class);

  private static final String MIN = "MinHeapFreeRatio";
  private static final String MAX = "MaxHeapFreeRatio";

  private static final HotSpotDiagnosticMXBean VM = hotSpot();

  // what the ratios were before the first widen, as {min, max}; null while they are not widened
  private static String[] widenedFrom;
  // how many widen calls have not been restored yet (two file-processors in one JVM each hold one)
  private static int holders;

  private HeapFreeRatios() {}

  /**
   * Runs {@code gc} with both ratios at {@code ratio} %, then puts back what they were, whatever
   * happens.
   */
  public static synchronized void collectWith(int ratio, Runnable gc) {
    String[] was = read();
    boolean changed = was != null && set(Integer.toString(ratio), Integer.toString(ratio));
    try {
      gc.run();
    } finally {
      if (changed) {
        set(was[0], was[1]);
      }
    }
  }

  /**
   * Sets the ratios to {@code min} and {@code max} % until every caller of this has called {@link
   * #restore()}, keeping what they were; the first caller's values hold while others hold it too.
   * False when they cannot be changed (nothing to restore then).
   */
  public static synchronized boolean widen(int min, int max) {
    if (holders == 0) {
      String[] was = read();
      if (was == null || !set(Integer.toString(min), Integer.toString(max))) {
        return false;
      }
      widenedFrom = was;
    }
    holders++;
    return true;
  }

  /**
   * One caller of {@link #widen} is done; the last one puts back what the ratios were. False when
   * nothing was widened.
   */
  public static synchronized boolean restore() {
    if (holders == 0) {
      return false;
    }
    if (--holders == 0) {
      set(widenedFrom[0], widenedFrom[1]);
      widenedFrom = null;
    }
    return true;
  }

  /** Both ratios now, or null where they cannot be read. */
  private static String[] read() {
    if (VM == null) {
      return null;
    }
    try {
      return new String[] {VM.getVMOption(MIN).getValue(), VM.getVMOption(MAX).getValue()};
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Sets both, in the order the JVM takes (it refuses a minimum over the maximum); false when it
   * refused.
   */
  private static boolean set(String min, String max) {
    try {
      String[] now = read();
      if (now != null && Integer.parseInt(min) > Integer.parseInt(now[1])) {
        VM.setVMOption(MAX, max);
        VM.setVMOption(MIN, min);
      } else {
        VM.setVMOption(MIN, min);
        VM.setVMOption(MAX, max);
      }
      return true;
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios not changed to {}/{}: {}", min, max, e.toString());
      return false;
    }
  }

  private static HotSpotDiagnosticMXBean hotSpot() {
    try {
      return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }
}
