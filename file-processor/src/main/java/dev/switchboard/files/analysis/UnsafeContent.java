package dev.switchboard.files.analysis;

import java.util.Set;

/**
 * Refuses executables and scripts, whatever the file is called. The first bytes are checked
 * directly (ELF, PE, Mach-O and Java class signatures, a {@code #!} line) so the refusal does not
 * depend on the magic database knowing every interpreter; the detected type covers the scripts that
 * carry no shebang.
 */
final class UnsafeContent {

  private static final Set<String> EXECUTABLE_TYPES =
      Set.of(
          "application/x-executable",
          "application/x-sharedlib",
          "application/x-elf",
          "application/x-object",
          "application/x-coredump",
          "application/x-dosexec",
          "application/x-msdownload",
          "application/java-vm",
          "application/java-archive",
          "application/x-mach-o-universal",
          "application/x-msi",
          "application/vnd.microsoft.portable-executable");

  /** Scripts, and documents that run scripts when a browser opens them (HTML, SVG). */
  private static final Set<String> SCRIPT_TYPES =
      Set.of(
          "application/x-sh",
          "application/x-csh",
          "application/x-bat",
          "text/javascript",
          "application/javascript",
          "application/ecmascript",
          "text/ecmascript",
          "text/x-python",
          "text/x-perl",
          "text/x-php",
          "text/x-ruby",
          "text/x-vbscript",
          "text/html",
          "application/xhtml+xml",
          "image/svg+xml");

  private UnsafeContent() {}

  static void check(byte[] head, String mediaType) throws Refused {
    String signature = executableSignature(head);
    if (signature != null) {
      throw new Refused("executable content (" + signature + ") is never accepted");
    }
    if (startsWith(head, 0, '#', '!') || startsWith(head, 0, 0xEF, 0xBB, 0xBF, '#', '!')) {
      throw new Refused("a script (starts with #!) is never accepted");
    }
    if (EXECUTABLE_TYPES.contains(mediaType) || mediaType.startsWith("application/x-mach-o")) {
      throw new Refused("executable content (" + mediaType + ") is never accepted");
    }
    if (SCRIPT_TYPES.contains(mediaType)) {
      throw new Refused("a script or active document (" + mediaType + ") is never accepted");
    }
  }

  private static String executableSignature(byte[] head) {
    if (startsWith(head, 0, 0x7F, 'E', 'L', 'F')) {
      return "ELF";
    }
    if (startsWith(head, 0, 'M', 'Z') && head.length >= 0x40) {
      int peOffset = (head[0x3C] & 0xFF) | (head[0x3D] & 0xFF) << 8 | (head[0x3E] & 0xFF) << 16;
      if (startsWith(head, peOffset, 'P', 'E', 0, 0)) {
        return "PE";
      }
    }
    if (startsWith(head, 0, 0xFE, 0xED, 0xFA, 0xCE)
        || startsWith(head, 0, 0xFE, 0xED, 0xFA, 0xCF)
        || startsWith(head, 0, 0xCE, 0xFA, 0xED, 0xFE)
        || startsWith(head, 0, 0xCF, 0xFA, 0xED, 0xFE)) {
      return "Mach-O";
    }
    if (startsWith(head, 0, 0xCA, 0xFE, 0xBA, 0xBE)) {
      return "Mach-O universal binary or Java class";
    }
    return null;
  }

  private static boolean startsWith(byte[] bytes, int offset, int... expected) {
    if (offset < 0 || offset + expected.length > bytes.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if ((bytes[offset + i] & 0xFF) != expected[i]) {
        return false;
      }
    }
    return true;
  }
}
