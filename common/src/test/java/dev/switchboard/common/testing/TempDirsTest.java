package dev.switchboard.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempDirsTest {

  @TempDir Path temp;

  @Test
  void aTreeIsDeletedAndALinkOutOfItIsRemovedNotFollowed() throws IOException {
    Path outside = Files.writeString(temp.resolve("outside.txt"), "kept");
    Path tree = Files.createDirectories(temp.resolve("tree/a/b"));
    Files.writeString(tree.resolve("file.txt"), "gone");
    Files.createSymbolicLink(temp.resolve("tree/a/link"), temp);

    TempDirs.delete(temp.resolve("tree"));

    assertThat(temp.resolve("tree")).doesNotExist();
    assertThat(outside).hasContent("kept");
  }

  @Test
  void aDirectoryThatIsGoneIsNoError() {
    TempDirs.delete(temp.resolve("never-made"));
    assertThat(temp.resolve("never-made")).doesNotExist();
  }
}
