package dev.switchboard.bench;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The photos of the ingest benchmark ({@code bench/files.sh}): {@code photo-0000.jpg} … in a
 * directory, each a deterministic function of its index, so every run and every tool reads the same
 * bytes. Each looks enough like a photo to cost what a photo costs to decode (smooth gradients,
 * shapes with edges, sensor-like noise; about 1 MB at 2000 × 1333, quality 90) and carries EXIF as
 * a camera writes it: make, model, date taken, and an orientation, 6 (a portrait shot, stored
 * sideways) for every fourth photo and 1 for the rest, so the thumbnails' rotation is part of the
 * work.
 *
 * <pre>java -cp switchboard-bench.jar dev.switchboard.bench.JpegCorpus DIR COUNT [WIDTH HEIGHT]
 * </pre>
 *
 * A directory already holding the same corpus (same count and size, see {@code corpus.txt}) is left
 * as it is.
 */
public final class JpegCorpus {

  private static final float QUALITY = 0.9f;
  private static final String MARKER = "corpus.txt";

  private JpegCorpus() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2 && args.length != 4) {
      System.err.println("usage: JpegCorpus DIR COUNT [WIDTH HEIGHT]");
      System.exit(64);
    }
    Path directory = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    int width = args.length == 4 ? Integer.parseInt(args[2]) : 2000;
    int height = args.length == 4 ? Integer.parseInt(args[3]) : 1333;
    String description = count + " photos " + width + "x" + height + ", quality " + QUALITY;
    Path marker = directory.resolve(MARKER);
    if (Files.exists(marker) && Files.readString(marker).equals(description)) {
      System.err.println("JpegCorpus: " + directory + " already holds " + description);
      return;
    }
    Files.createDirectories(directory);
    Files.deleteIfExists(marker);
    long started = System.nanoTime();
    IntStream.range(0, count)
        .parallel()
        .forEach(index -> write(directory.resolve(name(index)), index, width, height));
    Files.writeString(marker, description);
    System.err.printf(
        "JpegCorpus: wrote %s to %s in %.1f s%n",
        description, directory, (System.nanoTime() - started) / 1e9);
  }

  /** The file name of photo {@code index}. */
  static String name(int index) {
    return String.format("photo-%04d.jpg", index);
  }

  /** The EXIF orientation photo {@code index} carries. */
  static int orientation(int index) {
    return index % 4 == 3 ? 6 : 1;
  }

  private static void write(Path file, int index, int width, int height) {
    try {
      byte[] jpeg = encode(picture(index, width, height));
      byte[] exif =
          exif(
              orientation(index),
              "Switchboard",
              "Bench " + (index % 3),
              String.format("2024:05:%02d %02d:%02d:00", 1 + index % 28, index % 24, index % 60));
      try (OutputStream out = Files.newOutputStream(file)) {
        out.write(jpeg, 0, 2); // SOI, then APP1 where cameras put it
        out.write(exif);
        out.write(jpeg, 2, jpeg.length - 2);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A gradient sky, a few soft-edged shapes and per-pixel noise, all from the index's seed. */
  static BufferedImage picture(int index, int width, int height) {
    SplittableRandom random = new SplittableRandom(index);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = image.createGraphics();
    graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    graphics.setPaint(
        new GradientPaint(0, 0, color(random), width, height, color(random), random.nextBoolean()));
    graphics.fillRect(0, 0, width, height);
    for (int shape = 0; shape < 24; shape++) {
      graphics.setColor(color(random));
      int w = random.nextInt(width / 20, width / 3);
      int h = random.nextInt(height / 20, height / 3);
      int x = random.nextInt(-w / 2, width);
      int y = random.nextInt(-h / 2, height);
      if (random.nextBoolean()) {
        graphics.fillOval(x, y, w, h);
      } else {
        graphics.fillRoundRect(x, y, w, h, w / 4, h / 4);
      }
    }
    graphics.dispose();
    int[] pixels = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < pixels.length; i++) {
      int noise = random.nextInt(-6, 7);
      int rgb = pixels[i];
      pixels[i] =
          clamp(((rgb >> 16) & 0xFF) + noise) << 16
              | clamp(((rgb >> 8) & 0xFF) + noise) << 8
              | clamp((rgb & 0xFF) + noise);
    }
    return image;
  }

  private static Color color(SplittableRandom random) {
    return new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256));
  }

  private static int clamp(int value) {
    return Math.max(0, Math.min(255, value));
  }

  private static byte[] encode(BufferedImage image) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(QUALITY);
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  /**
   * An APP1 segment with a big-endian TIFF structure: IFD0 (make, model, orientation) and the EXIF
   * IFD (date taken), as {@code file-processor}'s tests write it.
   */
  static byte[] exif(int orientation, String make, String model, String dateTaken) {
    List<byte[]> strings = List.of(ascii(make), ascii(model), ascii(dateTaken));
    int ifd0 = 8;
    int makeAt = ifd0 + 2 + 4 * 12 + 4;
    int modelAt = makeAt + strings.get(0).length;
    int exifAt = modelAt + strings.get(1).length;
    int dateAt = exifAt + 2 + 12 + 4;
    ByteBuffer tiff = ByteBuffer.allocate(dateAt + strings.get(2).length);
    tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(ifd0);
    tiff.putShort((short) 4);
    entry(tiff, 0x010F, 2, strings.get(0).length, makeAt);
    entry(tiff, 0x0110, 2, strings.get(1).length, modelAt);
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1);
    tiff.putShort((short) orientation).putShort((short) 0);
    entry(tiff, 0x8769, 4, 1, exifAt);
    tiff.putInt(0).put(strings.get(0)).put(strings.get(1));
    tiff.putShort((short) 1);
    entry(tiff, 0x9003, 2, strings.get(2).length, dateAt);
    tiff.putInt(0).put(strings.get(2));
    byte[] header = "Exif\0\0".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer app1 = ByteBuffer.allocate(4 + header.length + tiff.capacity());
    app1.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (2 + header.length + tiff.capacity()));
    return app1.put(header).put(tiff.array()).array();
  }

  private static void entry(ByteBuffer tiff, int tag, int type, int count, int offset) {
    tiff.putShort((short) tag).putShort((short) type).putInt(count).putInt(offset);
  }

  private static byte[] ascii(String text) {
    return (text + "\0").getBytes(StandardCharsets.US_ASCII);
  }
}
