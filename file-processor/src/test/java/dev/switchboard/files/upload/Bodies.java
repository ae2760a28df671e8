package dev.switchboard.files.upload;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import javax.imageio.ImageIO;

/** Real content and multipart framing for the upload tests, made on the spot. */
public final class Bodies {

  public static final String BOUNDARY = "switchboard-test-boundary";

  private Bodies() {}

  /** A PNG of noise, so that it does not compress to nothing: about 3 × width × height bytes. */
  public static byte[] png(int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(width * 31L + height);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt() & 0xFFFFFF);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  /** The start of a Linux executable: an ELF header, then {@code size} bytes in all. */
  static byte[] elf(int size) {
    byte[] bytes = new byte[size];
    bytes[0] = 0x7F;
    bytes[1] = 'E';
    bytes[2] = 'L';
    bytes[3] = 'F';
    bytes[4] = 2;
    bytes[5] = 1;
    bytes[6] = 1;
    return bytes;
  }

  /** The multipart head of one file part. */
  static byte[] partHead(String fileName, String contentType) {
    return ("--"
            + BOUNDARY
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + fileName
            + "\"\r\nContent-Type: "
            + contentType
            + "\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] partEnd() {
    return "\r\n".getBytes(StandardCharsets.UTF_8);
  }

  static byte[] closing() {
    return ("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
  }

  /** A whole multipart body of files given as name, type, bytes, name, type, bytes, … */
  public static byte[] multipart(Object... files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < files.length; i += 3) {
      out.writeBytes(partHead((String) files[i], (String) files[i + 1]));
      out.writeBytes((byte[]) files[i + 2]);
      out.writeBytes(partEnd());
    }
    out.writeBytes(closing());
    return out.toByteArray();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
