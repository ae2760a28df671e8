package dev.switchboard.files.analysis;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/** Real files the tests analyse, made on the spot: nothing binary is committed. */
public final class TestFiles {

  private TestFiles() {}

  /** A picture with a left half of {@code left} and a right half of {@code right}. */
  public static BufferedImage picture(int width, int height, Color left, Color right) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = image.createGraphics();
    graphics.setColor(left);
    graphics.fillRect(0, 0, width / 2, height);
    graphics.setColor(right);
    graphics.fillRect(width / 2, 0, width - width / 2, height);
    graphics.dispose();
    return image;
  }

  public static Path png(Path file, int width, int height) throws IOException {
    ImageIO.write(picture(width, height, Color.RED, Color.BLUE), "png", file.toFile());
    return file;
  }

  /** A JPEG of a smooth gradient, compressible yet not trivially so, like a photo. */
  public static Path gradientJpeg(Path file, int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = image.createGraphics();
    graphics.setPaint(new GradientPaint(0, 0, Color.ORANGE, width, height, Color.DARK_GRAY));
    graphics.fillRect(0, 0, width, height);
    graphics.dispose();
    ImageIO.write(image, "jpeg", file.toFile());
    return file;
  }

  /** A JPEG whose APP1 segment carries EXIF: orientation, camera, date taken and a GPS position. */
  public static Path jpegWithExif(
      Path file, BufferedImage stored, int orientation, String make, String model, String dateTaken)
      throws IOException {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    ImageIO.write(stored, "jpeg", plain);
    byte[] jpeg = plain.toByteArray();
    byte[] tiff = exifTiff(orientation, make, model, dateTaken);
    ByteBuffer app1 = ByteBuffer.allocate(4 + 6 + tiff.length);
    app1.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (2 + 6 + tiff.length));
    app1.put("Exif\0\0".getBytes(StandardCharsets.US_ASCII)).put(tiff);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(jpeg, 0, 2);
      out.write(app1.array());
      out.write(jpeg, 2, jpeg.length - 2);
    }
    return file;
  }

  /**
   * A big-endian TIFF structure: IFD0 (make, model, orientation), the EXIF IFD (date) and a GPS
   * IFD.
   */
  private static byte[] exifTiff(int orientation, String make, String model, String dateTaken) {
    byte[] makeBytes = ascii(make);
    byte[] modelBytes = ascii(model);
    byte[] dateBytes = ascii(dateTaken);
    int ifd0 = 8;
    int makeAt = ifd0 + 2 + 5 * 12 + 4;
    int modelAt = makeAt + makeBytes.length;
    int exifAt = modelAt + modelBytes.length;
    int dateAt = exifAt + 2 + 12 + 4;
    int gpsAt = dateAt + dateBytes.length;
    int latitudeAt = gpsAt + 2 + 4 * 12 + 4;
    int longitudeAt = latitudeAt + 24;
    ByteBuffer tiff = ByteBuffer.allocate(longitudeAt + 24);
    tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(ifd0);
    tiff.putShort((short) 5);
    entry(tiff, 0x010F, 2, makeBytes.length, makeAt);
    entry(tiff, 0x0110, 2, modelBytes.length, modelAt);
    tiff.putShort((short) 0x0112)
        .putShort((short) 3)
        .putInt(1)
        .putShort((short) orientation)
        .putShort((short) 0);
    entry(tiff, 0x8769, 4, 1, exifAt);
    entry(tiff, 0x8825, 4, 1, gpsAt);
    tiff.putInt(0).put(makeBytes).put(modelBytes);
    tiff.putShort((short) 1);
    entry(tiff, 0x9003, 2, dateBytes.length, dateAt);
    tiff.putInt(0).put(dateBytes);
    tiff.putShort((short) 4);
    tiff.putShort((short) 1).putShort((short) 2).putInt(2).put(new byte[] {'N', 0, 0, 0});
    entry(tiff, 2, 5, 3, latitudeAt);
    tiff.putShort((short) 3).putShort((short) 2).putInt(2).put(new byte[] {'E', 0, 0, 0});
    entry(tiff, 4, 5, 3, longitudeAt);
    tiff.putInt(0);
    tiff.putInt(48).putInt(1).putInt(51).putInt(1).putInt(30).putInt(1);
    tiff.putInt(2).putInt(1).putInt(21).putInt(1).putInt(7).putInt(1);
    return tiff.array();
  }

  private static void entry(ByteBuffer tiff, int tag, int type, int count, int offset) {
    tiff.putShort((short) tag).putShort((short) type).putInt(count).putInt(offset);
  }

  private static byte[] ascii(String text) {
    return (text + "\0").getBytes(StandardCharsets.US_ASCII);
  }

  /** A PDF of {@code pages} A4 pages with a title and an author. */
  public static Path pdf(Path file, int pages, String title, String author) throws IOException {
    try (PDDocument document = new PDDocument()) {
      for (int i = 1; i <= pages; i++) {
        PDPage page = new PDPage(PDRectangle.A4);
        document.addPage(page);
        try (PDPageContentStream content = new PDPageContentStream(document, page)) {
          content.beginText();
          content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 24);
          content.newLineAtOffset(72, 700);
          content.showText("Page " + i);
          content.endText();
        }
      }
      PDDocumentInformation information = document.getDocumentInformation();
      information.setTitle(title);
      information.setAuthor(author);
      document.save(file.toFile());
    }
    return file;
  }

  /**
   * A valid-looking PNG that declares {@code side} × {@code side} grey pixels and holds a few KB of
   * them: decoding it would need side² bytes of raster.
   */
  public static Path decompressionBombPng(Path file, int side) throws IOException {
    ByteBuffer header =
        ByteBuffer.allocate(13)
            .putInt(side)
            .putInt(side)
            .put((byte) 8)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflate =
        new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION))) {
      deflate.write(new byte[1024 * 1024]);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
      chunk(out, "IHDR", header.array());
      chunk(out, "IDAT", idat.toByteArray());
      chunk(out, "IEND", new byte[0]);
    }
    return file;
  }

  private static void chunk(OutputStream out, String type, byte[] data) throws IOException {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    out.write(typeBytes);
    out.write(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** {@code entries} entries of 1 MiB of zeros each: about ×1000 once expanded. */
  public static Path zipBomb(Path file, int entries) throws IOException {
    byte[] zeros = new byte[1024 * 1024];
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      zip.setLevel(Deflater.BEST_COMPRESSION);
      for (int i = 0; i < entries; i++) {
        zip.putNextEntry(new ZipEntry("zeros-" + i + ".bin"));
        zip.write(zeros);
        zip.closeEntry();
      }
    }
    return file;
  }

  /** A WAV of {@code seconds} of silence: 16-bit PCM, {@code rate} Hz, {@code channels}. */
  public static Path wav(Path file, double seconds, int rate, int channels) throws IOException {
    AudioFormat format = new AudioFormat(rate, 16, channels, true, false);
    int frames = (int) Math.round(seconds * rate);
    byte[] pcm = new byte[frames * format.getFrameSize()];
    AudioSystem.write(
        new AudioInputStream(new ByteArrayInputStream(pcm), format, frames),
        AudioFileFormat.Type.WAVE,
        file.toFile());
    return file;
  }

  /** {@code frames} MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, joint stereo) of silence. */
  public static Path mp3(Path file, int frames) throws IOException {
    byte[] frame = new byte[417];
    frame[0] = (byte) 0xFF;
    frame[1] = (byte) 0xFB;
    frame[2] = (byte) 0x90;
    frame[3] = (byte) 0x64;
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < frames; i++) {
        out.write(frame);
      }
    }
    return file;
  }

  /**
   * The header of a movie with one H.264 video track of {@code width} × {@code height} playing
   * {@code millis} ms, box by box (ISO 14496-12): an MP4 with brand {@code isom}, a QuickTime movie
   * with {@code qt }. It has no samples: what is read is the header.
   */
  public static Path movie(Path file, String brand, int width, int height, int millis)
      throws IOException {
    byte[] ftyp =
        box(
            "ftyp",
            fields(
                16, b -> b.put(ascii4(brand)).putInt(512).put(ascii4(brand)).put(ascii4(brand))));
    byte[] mvhd =
        box(
            "mvhd",
            fields(
                100,
                b -> {
                  b.putInt(0).putInt(0).putInt(0).putInt(1000).putInt(millis);
                  b.putInt(0x10000).putShort((short) 0x100).put(new byte[10]);
                  identity(b);
                  b.put(new byte[24]).putInt(2);
                }));
    byte[] tkhd =
        box(
            "tkhd",
            fields(
                84,
                b -> {
                  b.putInt(3).putInt(0).putInt(0).putInt(1).putInt(0).putInt(millis);
                  b.put(new byte[16]);
                  identity(b);
                  b.putInt(width << 16).putInt(height << 16);
                }));
    byte[] mdhd =
        box(
            "mdhd",
            fields(
                24,
                b ->
                    b.putInt(0)
                        .putInt(0)
                        .putInt(0)
                        .putInt(1000)
                        .putInt(millis)
                        .putInt(0x55c40000)));
    byte[] hdlr =
        box("hdlr", fields(25, b -> b.putInt(0).putInt(0).put(ascii4("vide")).put(new byte[13])));
    byte[] vmhd = box("vmhd", fields(12, b -> b.putInt(1).put(new byte[8])));
    byte[] avc1 =
        box(
            "avc1",
            fields(
                78,
                b -> {
                  b.put(new byte[6]).putShort((short) 1).put(new byte[16]);
                  b.putShort((short) width).putShort((short) height);
                  b.putInt(0x480000).putInt(0x480000).putInt(0).putShort((short) 1);
                  b.put(new byte[32]).putShort((short) 0x18).putShort((short) -1);
                }));
    byte[] stsd = box("stsd", fields(8, b -> b.putInt(0).putInt(1)), avc1);
    byte[] trak = box("trak", tkhd, box("mdia", mdhd, hdlr, box("minf", vmhd, box("stbl", stsd))));
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ftyp);
      out.write(box("moov", mvhd, trak));
    }
    return file;
  }

  private static byte[] box(String type, byte[]... contents) {
    int size = 8;
    for (byte[] content : contents) {
      size += content.length;
    }
    ByteBuffer box = ByteBuffer.allocate(size).putInt(size).put(ascii4(type));
    for (byte[] content : contents) {
      box.put(content);
    }
    return box.array();
  }

  private static byte[] fields(int size, Consumer<ByteBuffer> write) {
    ByteBuffer fields = ByteBuffer.allocate(size);
    write.accept(fields);
    return fields.array();
  }

  private static void identity(ByteBuffer matrix) {
    for (int value : new int[] {0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}) {
      matrix.putInt(value);
    }
  }

  private static byte[] ascii4(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
