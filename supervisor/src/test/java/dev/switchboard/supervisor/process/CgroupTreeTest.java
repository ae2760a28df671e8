package dev.switchboard.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Finding the cgroup v2 mount and a process's cgroup directory in it, from the lines of /proc. */
class CgroupTreeTest {

  private static final String V1_MEMORY =
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory";

  @Test
  void aHybridHostHasItsCgroup2MountBesideTheV1Ones() {
    List<String> mountinfo =
        List.of(V1_MEMORY, "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
    CgroupTree.Hierarchy hierarchy = CgroupTree.hierarchy(mountinfo).orElseThrow();
    assertThat(hierarchy.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
    assertThat(hierarchy.dir("/")).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(hierarchy.dir("/system.slice/switchboard.service"))
        .contains(Path.of("/sys/fs/cgroup/unified/system.slice/switchboard.service"));
  }

  @Test
  void aMountOfPartOfTheHierarchyTakesPathsRelativeToItsRoot() {
    // a container that was given /machine.slice/box and mounted it (with an escaped space) as its
    // cgroup root
    List<String> mountinfo =
        List.of("28 22 0:26 /machine.slice/box /sys/fs/cgroup\\040v2 rw - cgroup2 cgroup2 rw");
    CgroupTree.Hierarchy hierarchy = CgroupTree.hierarchy(mountinfo).orElseThrow();
    assertThat(hierarchy.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup v2"));
    assertThat(hierarchy.dir("/machine.slice/box/app")).contains(Path.of("/sys/fs/cgroup v2/app"));
    assertThat(hierarchy.dir("/machine.slice/boxer")).isEmpty();
  }

  @Test
  void noCgroup2MountIsNoHierarchy() {
    assertThat(CgroupTree.hierarchy(List.of(V1_MEMORY))).isEqualTo(Optional.empty());
  }

  @Test
  void theTreeNameIsStablePerRunDirectoryAndDiffersBetweenThem() {
    String name = Containment.treeName(Path.of("/srv/a/run/services"));
    assertThat(name).matches("switchboard-[0-9a-f]{12}");
    assertThat(Containment.treeName(Path.of("/srv/a/run/services"))).isEqualTo(name);
    assertThat(Containment.treeName(Path.of("/srv/b/run/services"))).isNotEqualTo(name);
  }
}
