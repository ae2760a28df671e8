package dev.switchboard.stats.sampling;

import dev.switchboard.stats.sampling.HostReadings.CpuTicks;
import dev.switchboard.stats.sampling.HostReadings.Filesystem;
import dev.switchboard.stats.sampling.HostReadings.Traffic;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collector;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;
import oshi.PlatformEnum;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.CentralProcessor.TickType;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.hardware.VirtualMemory;
import oshi.software.os.FileSystem;
import oshi.software.os.OSFileStore;
import oshi.software.os.OperatingSystem;

/**
 * Reads the host through OSHI. The OSHI objects are built once (building them is the expensive
 * part); disks, network interfaces and filesystems are listed afresh on each read, which on Linux
 * costs no more than {@code updateAttributes()} on the kept ones (measured: ~3 ms, ~2 ms, ~7 ms)
 * and also sees devices plugged in since.
 */
public final class OshiProbe implements HostProbe {

  // Linux puts loop, dm-*, md*, zram, lo, veth*, bridges and tunnels here: devices whose traffic is
  // carried by a physical one too, so adding them up would count the same bytes twice.
  private static final Path VIRTUAL_DEVICES = Path.of("/sys/devices/virtual");

  private final HardwareAbstractionLayer hardware;
  private final OperatingSystem os;
  private final CentralProcessor processor;
  private final GlobalMemory memory;
  private final VirtualMemory swap;
  private final FileSystem fileSystem;
  private final boolean linux;

  public OshiProbe() {
    SystemInfo systemInfo = new SystemInfo();
    hardware = systemInfo.getHardware();
    os = systemInfo.getOperatingSystem();
    processor = hardware.getProcessor();
    memory = hardware.getMemory();
    swap = memory.getVirtualMemory();
    fileSystem = os.getFileSystem();
    linux = SystemInfo.getCurrentPlatform() == PlatformEnum.LINUX;
  }

  @Override
  public HostReadings read() {
    return new HostReadings(
        hostname(),
        ticks(processor.getSystemCpuLoadTicks()),
        Arrays.stream(processor.getProcessorCpuLoadTicks()).map(OshiProbe::ticks).toList(),
        DoubleStream.of(processor.getSystemLoadAverage(3)).boxed().toList(),
        memory.getTotal(),
        memory.getAvailable(),
        swap.getSwapTotal(),
        swap.getSwapUsed(),
        fileSystem.getFileStores(true).stream().map(OshiProbe::filesystem).toList(),
        disks(),
        networks(),
        os.getProcessCount(),
        os.getSystemUptime());
  }

  @Override
  public JsonObject info() {
    OperatingSystem.OSVersionInfo version = os.getVersionInfo();
    return new JsonObject()
        .put("hostname", hostname())
        .put(
            "os",
            new JsonObject()
                .put("family", os.getFamily())
                .put("version", version.getVersion())
                .put("codename", version.getCodeName())
                .put("build", version.getBuildNumber())
                // The kernel release on Linux; the JVM's idea of the OS version elsewhere.
                .put("kernel", System.getProperty("os.version")))
        .put("arch", System.getProperty("os.arch"))
        .put(
            "cpu",
            new JsonObject()
                .put("model", processor.getProcessorIdentifier().getName())
                .put("physicalCores", processor.getPhysicalProcessorCount())
                .put("logicalCores", processor.getLogicalProcessorCount()))
        .put("memory", new JsonObject().put("totalBytes", memory.getTotal()))
        .put("swap", new JsonObject().put("totalBytes", swap.getSwapTotal()));
  }

  private String hostname() {
    return os.getNetworkParams().getHostName(); // gethostname(2): cheap, and follows a rename
  }

  private static CpuTicks ticks(long[] ticks) {
    // Waiting for I/O is idle time: the CPU could run something else.
    long idle = ticks[TickType.IDLE.getIndex()] + ticks[TickType.IOWAIT.getIndex()];
    return new CpuTicks(idle, Arrays.stream(ticks).sum());
  }

  private static Filesystem filesystem(OSFileStore store) {
    return new Filesystem(
        store.getMount(),
        store.getVolume(),
        store.getType(),
        store.getTotalSpace(),
        store.getFreeSpace(),
        store.getUsableSpace());
  }

  private Map<String, Traffic> disks() {
    return hardware.getDiskStores().stream()
        .filter(disk -> !isVirtual("block", disk.getName()))
        .collect(
            byName(
                HWDiskStore::getName,
                disk -> new Traffic(disk.getReadBytes(), disk.getWriteBytes())));
  }

  private Map<String, Traffic> networks() {
    // OSHI's default list leaves out interfaces without a hardware address, loopback included.
    List<NetworkIF> listed = hardware.getNetworkIFs();
    List<NetworkIF> physical =
        listed.stream().filter(nic -> !isVirtual("net", nic.getName())).toList();
    // Java lists only interfaces holding an address: when a bridge or a bond holds it, its physical
    // ports are missing from the list and the virtual interface is the one carrying the traffic.
    return (physical.isEmpty() ? listed : physical)
        .stream()
            .collect(
                byName(
                    NetworkIF::getName,
                    nic -> new Traffic(nic.getBytesRecv(), nic.getBytesSent())));
  }

  private boolean isVirtual(String subsystem, String deviceName) {
    // OSHI names disks "/dev/vda"; /sys knows them as "vda".
    String name = deviceName.substring(deviceName.lastIndexOf('/') + 1);
    return linux && Files.exists(VIRTUAL_DEVICES.resolve(subsystem).resolve(name));
  }

  private static <T> Collector<T, ?, Map<String, Traffic>> byName(
      Function<T, String> name, Function<T, Traffic> traffic) {
    return Collectors.toMap(name, traffic, (first, duplicate) -> first);
  }
}
