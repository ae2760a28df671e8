package dev.switchboard.stats.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class NvidiaSmiTest {

  private static final long MIB = 1024 * 1024;
  private static final Duration RETRY_AT_ONCE = Duration.ZERO;

  /** Two GPUs as {@code nvidia-smi --query-gpu=... --format=csv,noheader,nounits} prints them. */
  private static final String TWO_GPUS =
      """
      0, NVIDIA GeForce RTX 4090, 37, 52, 1234, 24564, 81.23
      1, NVIDIA GeForce RTX 3060, 0, 35, 5, 12288, 14.07
      """;

  @TempDir Path dir;

  private final Logger log = (Logger) LoggerFactory.getLogger(NvidiaSmi.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    logged.start();
    log.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    log.detachAppender(logged);
  }

  @Test
  void parsesOneGpuPerLineWithMemoryInBytes() {
    assertThat(NvidiaSmi.parse(TWO_GPUS))
        .containsExactly(
            new Gpu(0, "NVIDIA GeForce RTX 4090", 37, 52, 1234 * MIB, 24564 * MIB, 81.23),
            new Gpu(1, "NVIDIA GeForce RTX 3060", 0, 35, 5 * MIB, 12288 * MIB, 14.07));
  }

  @Test
  void figuresTheCardDoesNotReportAreNull() {
    String output =
        "0, Tesla K80, 0, 34, 0, 11441, [N/A]\r\n"
            + "1, NVIDIA GeForce GT 710, [Not Supported], 41, 306, 2001, [Not Supported]\r\n";

    assertThat(NvidiaSmi.parse(output))
        .containsExactly(
            new Gpu(0, "Tesla K80", 0, 34, 0L, 11441 * MIB, null),
            new Gpu(1, "NVIDIA GeForce GT 710", null, 41, 306 * MIB, 2001 * MIB, null));
  }

  @Test
  void rejectsWhatIsNotItsCsv() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                NvidiaSmi.parse(
                    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> NvidiaSmi.parse("0, GPU, hot, 52, 1, 2, 3"));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> NvidiaSmi.parse("[N/A], GPU, 1, 52, 1, 2, 3"));
  }

  @Test
  void runsTheCommandAndReadsItsGpus() throws IOException {
    Path fake =
        script(
            """
        [ "$1" = "--query-gpu=index,name,utilization.gpu,temperature.gpu,memory.used,memory.total,power.draw" ] || exit 2
        [ "$2" = "--format=csv,noheader,nounits" ] || exit 2
        echo '0, NVIDIA GeForce RTX 4090, 37, 52, 1234, 24564, 81.23'
        echo '1, NVIDIA GeForce RTX 3060, 0, 35, 5, 12288, 14.07'
        """);

    assertThat(new NvidiaSmi(fake.toString()).query()).isEqualTo(NvidiaSmi.parse(TWO_GPUS));
    assertThat(logged.list).isEmpty();
  }

  @Test
  void theHostSamplerRunsTheConfiguredCommand() throws IOException {
    Path fake = script("echo '0, NVIDIA GeForce RTX 4090, 37, 52, 1234, 24564, [N/A]'");

    JsonObject sample =
        HostSampler.forHost(new JsonObject().put("nvidiaSmi", fake.toString())).sample();

    assertThat(sample.getJsonArray("gpus"))
        .containsExactly(
            new JsonObject()
                .put("index", 0)
                .put("name", "NVIDIA GeForce RTX 4090")
                .put("utilizationPercent", 37)
                .put("temperatureCelsius", 52)
                .put("memoryUsedBytes", 1234 * MIB)
                .put("memoryTotalBytes", 24564 * MIB));
  }

  @Test
  void aMissingCommandMeansNoGpus() {
    assertThat(new NvidiaSmi(dir.resolve("nvidia-smi").toString()).query()).isEmpty();
    assertThat(new NvidiaSmi("no-such-nvidia-smi-on-the-path").query()).isEmpty();
  }

  @Test
  void aFailingCommandMeansNoGpusAndOneWarning() throws IOException {
    NvidiaSmi nvidiaSmi =
        new NvidiaSmi(
            script("echo 'Failed to initialize NVML: Driver/library version mismatch'; exit 1")
                .toString(),
            Duration.ofSeconds(5),
            RETRY_AT_ONCE);

    assertThat(nvidiaSmi.query()).isEmpty();
    assertThat(nvidiaSmi.query()).isEmpty();

    assertThat(logged.list)
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getLevel()).isEqualTo(Level.WARN);
              assertThat(event.getFormattedMessage()).contains("exited with 1", "version mismatch");
            });
  }

  @Test
  void garbageOutputMeansNoGpusAndAWarning() throws IOException {
    NvidiaSmi nvidiaSmi = new NvidiaSmi(script("echo 'this is not csv'").toString());

    assertThat(nvidiaSmi.query()).isEmpty();
    assertThat(logged.list)
        .singleElement()
        .extracting(ILoggingEvent::getLevel)
        .isEqualTo(Level.WARN);
  }

  @Test
  void aHungCommandIsKilledAtTheTimeout() throws IOException {
    NvidiaSmi nvidiaSmi =
        new NvidiaSmi(script("sleep 30").toString(), Duration.ofMillis(200), RETRY_AT_ONCE);

    long start = System.nanoTime();
    assertThat(nvidiaSmi.query()).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aFailingCommandIsNotRunAgainBeforeTheRetryDelay() throws IOException {
    Path runs = dir.resolve("runs");
    String countAndFail = "echo run >> '" + runs + "'; exit 1";

    NvidiaSmi patient =
        new NvidiaSmi(
            script(countAndFail).toString(), Duration.ofSeconds(5), Duration.ofMinutes(1));
    patient.query();
    patient.query();
    assertThat(Files.readAllLines(runs)).hasSize(1);

    NvidiaSmi eager =
        new NvidiaSmi(script(countAndFail).toString(), Duration.ofSeconds(5), RETRY_AT_ONCE);
    eager.query();
    eager.query();
    assertThat(Files.readAllLines(runs)).hasSize(3);
  }

  private Path script(String body) throws IOException {
    Path script = Files.createTempFile(dir, "nvidia-smi", ".sh");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }
}
