package dev.switchboard.files.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyzerTest {

  private static ExecutorService pool;
  private static Analyzer analyzer;

  @TempDir Path dir;

  @BeforeAll
  static void startPool() {
    pool = Executors.newFixedThreadPool(2);
    analyzer = new Analyzer(AnalysisLimits.DEFAULT, pool);
  }

  @AfterAll
  static void stopPool() {
    pool.shutdownNow();
  }

  @Test
  void pngHasItsTypeHashDimensionsAndThreeThumbnails() throws Exception {
    Path png = TestFiles.png(dir.resolve("wide.png"), 2000, 1000);

    Analysis analysis = analyzer.analyze(png, "wide.png", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.ANALYSED);
    assertThat(analysis.mediaType()).isEqualTo("image/png");
    assertThat(analysis.size()).isEqualTo(Files.size(png));
    assertThat(analysis.sha256()).isEqualTo(sha256(png));
    assertThat(analysis.details())
        .isEqualTo(new Details.Image(2000, 1000, 1, null, null, null, false));
    assertThat(analysis.thumbnails())
        .extracting(Thumbnail::size, Thumbnail::width, Thumbnail::height)
        .containsExactly(tuple(128, 128, 64), tuple(512, 512, 256), tuple(1024, 1024, 512));
    for (Thumbnail thumbnail : analysis.thumbnails()) {
      assertThat(thumbnail.mediaType()).isEqualTo("image/jpeg");
      BufferedImage written = ImageIO.read(thumbnail.file().toFile());
      assertThat(written.getWidth()).isEqualTo(thumbnail.width());
    }
  }

  @Test
  void eachStepIsAnnouncedAsItBegins() throws Exception {
    Path png = TestFiles.png(dir.resolve("steps.png"), 300, 200);
    List<String> steps = new java.util.ArrayList<>();

    analyzer.analyze(png, "steps.png", dir.resolve("thumbs"), steps::add);

    assertThat(steps)
        .containsExactly(
            "reading the file",
            "type detection",
            "expansion check",
            "hashing",
            "image header",
            "image metadata",
            "image decoding",
            "thumbnails");
  }

  @Test
  void aKnownHashIsTakenAndTheFileIsNotReadAgainToHashIt() throws Exception {
    Path png = TestFiles.png(dir.resolve("known.png"), 300, 200);
    List<String> steps = new java.util.ArrayList<>();
    String known = "ab".repeat(32);

    Analysis analysis =
        analyzer.analyze(png, "known.png", known, dir.resolve("thumbs"), steps::add);

    assertThat(analysis.status()).isEqualTo(Analysis.Status.ANALYSED);
    assertThat(analysis.sha256()).isEqualTo(known);
    assertThat(steps).doesNotContain("hashing").contains("type detection", "thumbnails");
  }

  @Test
  void aSmallImageIsNeverEnlarged() throws Exception {
    Path png = TestFiles.png(dir.resolve("small.png"), 300, 200);

    Analysis analysis = analyzer.analyze(png, "small.png", dir.resolve("thumbs"));

    assertThat(analysis.thumbnails()).extracting(Thumbnail::width).containsExactly(128, 300, 300);
    assertThat(analysis.thumbnails()).extracting(Thumbnail::height).containsExactly(85, 200, 200);
  }

  @Test
  void jpegExifIsReadAndItsOrientationAppliedToThumbnails() throws Exception {
    BufferedImage stored = TestFiles.picture(400, 200, Color.RED, Color.BLUE);
    Path jpeg =
        TestFiles.jpegWithExif(
            dir.resolve("photo.jpg"), stored, 6, "Canon", "EOS 5D", "2024:05:17 14:03:22");

    Analysis analysis = analyzer.analyze(jpeg, "photo.jpg", dir.resolve("thumbs"));

    assertThat(analysis.status()).as(analysis.reason()).isEqualTo(Analysis.Status.ANALYSED);
    assertThat(analysis.mediaType()).isEqualTo("image/jpeg");
    assertThat(analysis.details())
        .isEqualTo(
            new Details.Image(
                400, 200, 6, "Canon", "EOS 5D", Instant.parse("2024-05-17T14:03:22Z"), true));
    // orientation 6 is a quarter turn clockwise: the stored left (red) half becomes the top
    Thumbnail largest = analysis.thumbnails().get(2);
    assertThat(largest.width()).isEqualTo(200);
    assertThat(largest.height()).isEqualTo(400);
    BufferedImage seen = ImageIO.read(largest.file().toFile());
    assertThat(new Color(seen.getRGB(100, 40)).getRed()).isGreaterThan(200);
    assertThat(new Color(seen.getRGB(100, 360)).getBlue()).isGreaterThan(200);
    assertThat(analysis.thumbnails().get(0))
        .extracting(Thumbnail::width, Thumbnail::height)
        .containsExactly(64, 128);
  }

  @Test
  void pdfHasPagesTitleAuthorAndAThumbnailOfItsFirstPage() throws Exception {
    Path pdf = TestFiles.pdf(dir.resolve("report.pdf"), 3, "Quarterly report", "Ada Lovelace");

    Analysis analysis = analyzer.analyze(pdf, "report.pdf", dir.resolve("thumbs"));

    assertThat(analysis.status()).as(analysis.reason()).isEqualTo(Analysis.Status.ANALYSED);
    assertThat(analysis.mediaType()).isEqualTo("application/pdf");
    assertThat(analysis.details())
        .isEqualTo(new Details.Pdf(3, "Quarterly report", "Ada Lovelace"));
    // A4 is 595 × 842 pt: rendered so the long side is 1024 px
    assertThat(analysis.thumbnails()).extracting(Thumbnail::height).containsExactly(128, 512, 1024);
    assertThat(analysis.thumbnails().get(2).width()).isBetween(722, 726);
  }

  @Test
  void aBrokenPdfFailsWithTheParsersReason() throws Exception {
    Path broken =
        Files.write(
            dir.resolve("broken.pdf"),
            "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ntrailer << /Root 1 0 R >>\n%%EOF\n"
                .getBytes(StandardCharsets.US_ASCII));

    Analysis analysis = analyzer.analyze(broken, "broken.pdf", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.FAILED);
    assertThat(analysis.mediaType()).isEqualTo("application/pdf");
    assertThat(analysis.reason()).startsWith("PDF reading failed: ");
  }

  @Test
  void csvHasItsColumnsAndLines() throws Exception {
    Path csv =
        Files.writeString(
            dir.resolve("people.csv"),
            "name,\"city, country\",age\nAda,\"London, UK\",36\nAlan,\"Wilmslow, UK\",41\n");

    Analysis analysis = analyzer.analyze(csv, "people.csv", dir.resolve("thumbs"));

    assertThat(analysis.mediaType()).isEqualTo("text/csv");
    assertThat(analysis.details()).isEqualTo(new Details.Text("US-ASCII", 3, 3, null, null));
  }

  @Test
  void utf16TextWithAByteOrderMarkIsDecodedAsSuch() throws Exception {
    Path text = dir.resolve("notes.txt");
    try (OutputStream out = Files.newOutputStream(text)) {
      out.write(new byte[] {(byte) 0xFF, (byte) 0xFE});
      out.write("Grüße\r\nzweite Zeile\r\ndritte".getBytes(StandardCharsets.UTF_16LE));
    }

    Analysis analysis = analyzer.analyze(text, "notes.txt", dir.resolve("thumbs"));

    assertThat(analysis.status()).as(analysis.reason()).isEqualTo(Analysis.Status.ANALYSED);
    assertThat(analysis.mediaType()).isEqualTo("text/plain");
    assertThat(analysis.details()).isEqualTo(new Details.Text("UTF-16LE", 3, null, null, null));
  }

  @Test
  void jsonIsCheckedForValidity() throws Exception {
    Path valid =
        Files.writeString(
            dir.resolve("valid.json"), "{\"name\": \"Ada\", \"tags\": [1, 2, {\"x\": null}]}\n");
    Path invalid =
        Files.writeString(dir.resolve("invalid.json"), "{\"name\": \"Ada\",\n \"tags\": [1, 2}\n");

    Analysis good = analyzer.analyze(valid, "valid.json", dir.resolve("thumbs"));
    Analysis bad = analyzer.analyze(invalid, "invalid.json", dir.resolve("thumbs"));

    assertThat(good.mediaType()).isEqualTo("application/json");
    assertThat(good.details()).isEqualTo(new Details.Text("US-ASCII", 1, null, true, null));
    assertThat(bad.status()).isEqualTo(Analysis.Status.ANALYSED);
    Details.Text details = (Details.Text) bad.details();
    assertThat(details.jsonValid()).isFalse();
    assertThat(details.jsonError()).startsWith("line 2, column ");
  }

  @Test
  void audioAndVideoHaveWhatTheirHeadersSay() throws Exception {
    assertThat(media(TestFiles.wav(dir.resolve("tone.wav"), 1.5, 8000, 1), "audio/vnd.wave"))
        .isEqualTo(new Details.Media("audio", 1.5, null, null, 8000, 1, "PCM_SIGNED"));
    assertThat(media(TestFiles.mp3(dir.resolve("song.mp3"), 20), "audio/mpeg"))
        .isEqualTo(new Details.Media("audio", null, null, null, 44100, 2, "MPEG-1 Layer III"));
    assertThat(media(TestFiles.movie(dir.resolve("clip.mp4"), "isom", 320, 240, 2500), "video/mp4"))
        .isEqualTo(new Details.Media("video", 2.5, 320, 240, null, null, "H.264"));
    Details.Media mov =
        media(TestFiles.movie(dir.resolve("clip.mov"), "qt  ", 320, 240, 2500), "video/quicktime");
    assertThat(mov.durationSeconds()).isEqualTo(2.5);
    assertThat(mov.codec()).isEqualTo("H.264");
  }

  /** Analyses {@code file}, which must be analysed as {@code type}, without thumbnails. */
  private Details.Media media(Path file, String type) {
    Analysis analysis =
        analyzer.analyze(
            file, file.getFileName().toString(), dir.resolve("thumbs-" + file.getFileName()));
    assertThat(analysis.status()).as(analysis.reason()).isEqualTo(Analysis.Status.ANALYSED);
    assertThat(analysis.mediaType()).isEqualTo(type);
    assertThat(analysis.thumbnails()).isEmpty();
    return (Details.Media) analysis.details();
  }

  @Test
  void aMediaHeaderNoReaderKnowsLeavesItsFieldsEmptyNotTheFileFailed() throws Exception {
    // an Ogg page header, which neither javax.sound nor metadata-extractor reads
    Path ogg = dir.resolve("voice.ogg");
    byte[] page = new byte[64];
    System.arraycopy("OggS".getBytes(StandardCharsets.US_ASCII), 0, page, 0, 4);
    Files.write(ogg, page);

    Analysis analysis = analyzer.analyze(ogg, "voice.ogg", dir.resolve("thumbs"));

    assertThat(analysis.status()).as(analysis.reason()).isEqualTo(Analysis.Status.ANALYSED);
    assertThat(analysis.details())
        .isEqualTo(
            new Details.Media(
                analysis.mediaType().startsWith("video/") ? "video" : "audio",
                null,
                null,
                null,
                null,
                null,
                null));
  }

  @Test
  void anExecutableNamedPngIsRejected() throws Exception {
    Path disguised =
        Files.copy(
            Path.of("/bin/true"), dir.resolve("holiday.png"), StandardCopyOption.REPLACE_EXISTING);

    Analysis analysis = analyzer.analyze(disguised, "holiday.png", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.REJECTED);
    assertThat(analysis.reason()).isEqualTo("executable content (ELF) is never accepted");
    assertThat(analysis.sha256()).isNull();
  }

  @Test
  void aWindowsExecutableNamedJpegIsRejected() throws Exception {
    byte[] pe = new byte[256];
    pe[0] = 'M';
    pe[1] = 'Z';
    pe[0x3C] = (byte) 0x80;
    System.arraycopy(new byte[] {'P', 'E', 0, 0}, 0, pe, 0x80, 4);
    Path disguised = Files.write(dir.resolve("cat.jpg"), pe);

    Analysis analysis = analyzer.analyze(disguised, "cat.jpg", dir.resolve("thumbs"));

    assertThat(analysis.reason()).isEqualTo("executable content (PE) is never accepted");
  }

  @Test
  void aScriptNamedTextIsRejected() throws Exception {
    Path script =
        Files.writeString(dir.resolve("readme.txt"), "#!/usr/bin/env bash\nrm -rf \"$HOME\"\n");

    Analysis analysis = analyzer.analyze(script, "readme.txt", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.REJECTED);
    assertThat(analysis.reason()).isEqualTo("a script (starts with #!) is never accepted");
  }

  @Test
  void aDecompressionBombPngIsRejectedFromItsHeader() throws Exception {
    Path bomb = TestFiles.decompressionBombPng(dir.resolve("bomb.png"), 50_000);
    assertThat(Files.size(bomb)).isLessThan(8 * 1024);

    Analysis analysis = analyzer.analyze(bomb, "bomb.png", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.REJECTED);
    assertThat(analysis.mediaType()).isEqualTo("image/png");
    assertThat(analysis.reason())
        .isEqualTo(
            "a 50000 × 50000 image (2,500,000,000 pixels) is over the limit of 100,000,000 pixels: not decoded");
    assertThat(dir.resolve("thumbs")).doesNotExist();
  }

  @Test
  void aZipBombIsRejectedFromItsCentralDirectory() throws Exception {
    Path bomb = TestFiles.zipBomb(dir.resolve("photos.zip"), 64);

    Analysis analysis = analyzer.analyze(bomb, "photos.zip", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.REJECTED);
    assertThat(analysis.reason())
        .startsWith("application/zip would expand " + Files.size(bomb) + " bytes to 67108864")
        .endsWith("refused as a decompression bomb");
  }

  @Test
  void aGzipBombIsRejectedFromItsTrailer() throws Exception {
    Path bomb = dir.resolve("log.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb))) {
      out.write(new byte[16 * 1024 * 1024]);
    }

    Analysis analysis = analyzer.analyze(bomb, "log.gz", dir.resolve("thumbs"));

    assertThat(analysis.reason())
        .startsWith("application/gzip would expand ")
        .endsWith("refused as a decompression bomb");
  }

  @Test
  void anOrdinaryArchiveIsOutsideTheDefaultAllowListButAllowedWhenConfigured() throws Exception {
    Path zip = dir.resolve("notes.zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      out.putNextEntry(new ZipEntry("notes.txt"));
      out.write("a few words\n".getBytes(StandardCharsets.US_ASCII));
    }
    Path bomb = TestFiles.zipBomb(dir.resolve("bomb.zip"), 8);
    Analyzer allowingZip =
        new Analyzer(
            AnalysisLimits.DEFAULT.withAllowList(new AllowList(List.of("application/zip"))), pool);

    assertThat(analyzer.analyze(zip, "notes.zip", dir.resolve("thumbs")).reason())
        .isEqualTo("application/zip is not an allowed type");
    assertThat(allowingZip.analyze(zip, "notes.zip", dir.resolve("thumbs")).status())
        .isEqualTo(Analysis.Status.ANALYSED);
    assertThat(allowingZip.analyze(bomb, "bomb.zip", dir.resolve("thumbs")).reason())
        .endsWith("refused as a decompression bomb");
  }

  @Test
  void theAllowListIsConfigurable() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), "a,b\n1,2\n");
    Analyzer imagesOnly =
        new Analyzer(AnalysisLimits.DEFAULT.withAllowList(new AllowList(List.of("image/*"))), pool);

    Analysis analysis = imagesOnly.analyze(csv, "a.csv", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.REJECTED);
    assertThat(analysis.reason()).isEqualTo("text/csv is not an allowed type");
  }

  @Test
  void aMissingFileFailsInsteadOfThrowing() {
    Analysis analysis =
        analyzer.analyze(dir.resolve("gone.png"), "gone.png", dir.resolve("thumbs"));

    assertThat(analysis.status()).isEqualTo(Analysis.Status.FAILED);
    assertThat(analysis.reason()).startsWith("reading the file failed: NoSuchFileException");
  }

  private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
