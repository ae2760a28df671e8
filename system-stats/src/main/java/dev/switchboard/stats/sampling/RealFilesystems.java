package dev.switchboard.stats.sampling;

import dev.switchboard.stats.sampling.HostReadings.Filesystem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Picks, from everything mounted, the filesystems whose usage a user cares about. */
final class RealFilesystems {

  /**
   * Filesystems held in memory, stacked on another one (overlay: container layers) or read-only
   * images (squashfs: snaps), whose "usage" is either meaningless or counted already on the disk
   * below.
   */
  private static final Set<String> NOT_REAL =
      Set.of(
          "tmpfs",
          "devtmpfs",
          "ramfs",
          "devfs",
          "proc",
          "sysfs",
          "cgroup",
          "cgroup2",
          "autofs",
          "nsfs",
          "overlay",
          "aufs",
          "fuse.fuse-overlayfs",
          "squashfs",
          "fuse.snapfuse",
          "fuse.lxcfs");

  private RealFilesystems() {}

  static List<Filesystem> of(List<Filesystem> mounted) {
    Map<String, Filesystem> byDevice = new LinkedHashMap<>();
    for (Filesystem fs : mounted) {
      if (isReal(fs)) {
        // A device mounted twice (bind mounts, btrfs subvolumes) is one pool of space: show it
        // once, under its shortest mount point, which is "/" for the root disk.
        byDevice.merge(
            fs.device(),
            fs,
            (kept, other) -> other.mount().length() < kept.mount().length() ? other : kept);
      }
    }
    return List.copyOf(byDevice.values());
  }

  private static boolean isReal(Filesystem fs) {
    // A size of 0 catches the pseudo filesystems not named in the list.
    return fs.totalBytes() > 0 && !NOT_REAL.contains(fs.type().toLowerCase(Locale.ROOT));
  }
}
