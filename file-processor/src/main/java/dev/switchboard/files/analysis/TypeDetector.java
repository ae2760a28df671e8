package dev.switchboard.files.analysis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeTypes;
import org.apache.tika.parser.ParseContext;

/**
 * The real type of a file, from its first bytes (Tika's magic database, tika-core only: nothing is
 * parsed). The declared name is a hint Tika only uses to narrow a type the content already proved,
 * such as {@code text/plain} to {@code text/csv}: an ELF binary named {@code photo.png} stays an
 * executable.
 */
final class TypeDetector {

  /** Enough for every signature the refusal checks read. */
  static final int HEAD_BYTES = 4096;

  private final MimeTypes types = MimeTypes.getDefaultMimeTypes();

  /** The type and first bytes of a file. */
  record Detected(String mediaType, byte[] head) {}

  Detected detect(Path file, String declaredName) throws IOException {
    MediaType type;
    try (TikaInputStream content = TikaInputStream.get(file)) {
      type = types.detect(content, metadata(declaredName), new ParseContext());
    }
    return new Detected(type.getBaseType().toString(), head(file));
  }

  /**
   * The type from the first bytes alone, for content still arriving: {@code head} is the first
   * {@link #HEAD_BYTES} bytes, or the whole file when it is shorter.
   */
  String detect(byte[] head, String declaredName) throws IOException {
    try (TikaInputStream content = TikaInputStream.get(head)) {
      return types
          .detect(content, metadata(declaredName), new ParseContext())
          .getBaseType()
          .toString();
    }
  }

  private static Metadata metadata(String declaredName) {
    Metadata metadata = new Metadata();
    if (declaredName != null && !declaredName.isBlank()) {
      metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, declaredName);
    }
    return metadata;
  }

  MediaTypeRegistry registry() {
    return types.getMediaTypeRegistry();
  }

  private static byte[] head(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(HEAD_BYTES);
    }
  }
}
