package dev.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {

  @TempDir Path dataDir;

  @Test
  void aGeneratedTokenIsPrivateAndReusedOnTheNextStart() throws Exception {
    String first = Tokens.resolve(Optional.empty(), dataDir.resolve("nested"), "admin.token");
    Path file = dataDir.resolve("nested/admin.token");

    assertThat(first).hasSize(43).matches("[A-Za-z0-9_-]+");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Tokens.resolve(Optional.empty(), dataDir.resolve("nested"), "admin.token"))
        .isEqualTo(first);
  }

  @Test
  void aConfiguredTokenWinsAndNoFileIsWritten() throws Exception {
    assertThat(Tokens.resolve(Optional.of("configured-token-0123456789"), dataDir, "admin.token"))
        .isEqualTo("configured-token-0123456789");
    assertThat(dataDir.resolve("admin.token")).doesNotExist();
  }

  @Test
  void twoTokensDiffer() {
    assertThat(Tokens.generate()).isNotEqualTo(Tokens.generate());
  }
}
