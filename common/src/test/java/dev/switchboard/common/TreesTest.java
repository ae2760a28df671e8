package dev.switchboard.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreesTest {

  @TempDir Path temp;

  @Test
  void aTreeGoesWholeAndALinkOutOfItIsNotFollowed() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.writeString(outside.resolve("kept"), "kept");
    Path tree = Files.createDirectories(temp.resolve("tree/a/b"));
    Files.writeString(tree.resolve("file"), "x");
    Files.createSymbolicLink(temp.resolve("tree/a/link"), outside);

    Trees.delete(temp.resolve("tree"));

    assertThat(temp.resolve("tree")).doesNotExist();
    assertThat(outside.resolve("kept")).hasContent("kept");
  }

  @Test
  void nothingToDeleteIsNoFailure() throws IOException {
    Trees.delete(temp.resolve("never-made"));
    assertThat(temp).isEmptyDirectory();
  }
}
