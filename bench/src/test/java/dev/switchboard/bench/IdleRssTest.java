package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(OS.LINUX) // /proc
class IdleRssTest {

  @Test
  void findsTheProcessesNamingADirectoryWithTheirChildrenButNotTheExcludedOnes()
      throws IOException, InterruptedException {
    String marker = "/tmp/idle-rss-" + UUID.randomUUID();
    // a parent naming the marker on its command line, with a child that does not (as the
    // postmaster's)
    Process parent =
        new ProcessBuilder("sh", "-c", "sleep 60 & echo forked; wait", "sh", marker).start();
    try (BufferedReader output = parent.inputReader()) {
      assertThat(output.readLine()).isEqualTo("forked");
      long parentPid = parent.pid();
      List<Long> children = parent.descendants().map(ProcessHandle::pid).toList();
      assertThat(children).hasSize(1);

      assertThat(IdleRss.processesMentioning(marker, List.of())).containsExactly(parentPid);
      assertThat(IdleRss.processesMentioning(marker, List.of(parentPid))).isEmpty();
      List<Long> family = IdleRss.withDescendants(List.of(parentPid));
      assertThat(family)
          .containsExactlyInAnyOrderElementsOf(
              Stream.concat(Stream.of(parentPid), children.stream()).toList());
      assertThat(family).allSatisfy(pid -> assertThat(ProcStats.rssKb(pid)).isPositive());
    } finally {
      parent.descendants().forEach(ProcessHandle::destroyForcibly);
      parent.destroyForcibly().waitFor();
    }
  }
}
