package dev.switchboard.common.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Secrets kept in the data directory: taken from the configuration when set there, otherwise
 * generated once into a file only the owner can read (mode 0600) and reused on every later start.
 */
public final class Tokens {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {}

  /** The configured token, or the one stored in {@code dataDir/fileName}, created on first use. */
  public static String resolve(Optional<String> configured, Path dataDir, String fileName)
      throws IOException {
    if (configured.isPresent()) {
      return configured.get();
    }
    Path file = dataDir.resolve(fileName);
    if (!Files.exists(file)) {
      Files.createDirectories(dataDir);
      publish(file, generate());
    }
    String token = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (token.length() < 16) {
      throw new IOException(file + " holds no usable token; delete it to have a new one generated");
    }
    return token;
  }

  /** 32 random bytes, URL-safe Base64 without padding (43 characters). */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Replaces the token in {@code dataDir/fileName} with {@code token}: written to a private
   * temporary file, then moved over the old one at once, so a reader sees the old or the new.
   */
  public static void replace(Path dataDir, String fileName, String token) throws IOException {
    Path file = dataDir.resolve(fileName);
    Files.createDirectories(dataDir);
    Path draft = Files.createTempFile(dataDir, "." + file.getFileName(), ".new", ownerOnly(file));
    try {
      Files.writeString(draft, token + "\n", StandardCharsets.UTF_8);
      Files.move(draft, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(draft);
    }
  }

  /**
   * Writes the token to a private temporary file, then links it into place: the link either appears
   * whole or fails because another process of the same deployment was first, whose token then wins.
   * Nobody ever reads a half-written file.
   */
  private static void publish(Path file, String token) throws IOException {
    Path draft =
        Files.createTempFile(file.getParent(), "." + file.getFileName(), ".new", ownerOnly(file));
    try {
      Files.writeString(draft, token + "\n", StandardCharsets.UTF_8);
      Files.createLink(file, draft);
    } catch (FileAlreadyExistsException raced) {
      // keep theirs
    } finally {
      Files.deleteIfExists(draft);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path file) {
    boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
    return posix
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
        }
        : new FileAttribute<?>[0];
  }
}
