package dev.switchboard.files.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link MultipartParser} fed bodies cut into chunks at every place it can be cut. */
class MultipartParserTest {

  private static final String B = "XyZ-boundary-42";

  /** Content full of near-delimiters: each a prefix of CRLF--boundary cut short, or a lookalike. */
  private static final byte[] TRICKY =
      ("line one\r\n--XyZ-boundary-4 not quite\r\r\n--XyZ-boundary\n\r\n-"
              + "\r\n--XyZ-boundary-4\r\n--\r\n--XyZ-boundary-43 still content\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);

  private static final byte[] BODY =
      concat(
          ascii("a preamble, ignored\r\n--" + B + "\r\n"),
          ascii("Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"),
          ascii("Content-Type: image/png\r\n\r\n"),
          TRICKY,
          ascii("\r\n--" + B + "  \t\r\n"),
          ascii("content-disposition: form-data; name=note\r\n\r\n"),
          ascii("a field"),
          ascii("\r\n--" + B + "\r\n"),
          ascii("Content-Disposition: form-data; name=\"file\"; filename=\"empty.bin\"\r\n\r\n"),
          ascii("\r\n--" + B + "\r\n"),
          ascii("Content-Disposition: form-data; name=\"file\"; filename=\"q\\\"uo;ted.txt\"\r\n"),
          ascii("Content-Type: text/plain\r\n\r\n"),
          ascii("\r\n\r\n"),
          ascii("\r\n--" + B + "--\r\nan epilogue, ignored\r\n--" + B + "\r\n"));

  private static final List<String> EXPECTED =
      List.of(
          "part file a.png image/png",
          "data " + new String(TRICKY, StandardCharsets.ISO_8859_1),
          "end",
          "part note null null",
          "data a field",
          "end",
          "part file empty.bin null",
          "data ",
          "end",
          "part file q\"uo;ted.txt text/plain",
          "data \r\n\r\n",
          "end",
          "closed");

  @Test
  void aBodyInOneChunk() {
    assertThat(parse(BODY, BODY.length)).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void aBodyCutInTwoAtEveryByte() {
    for (int cut = 0; cut <= BODY.length; cut++) {
      Recorder recorder = new Recorder();
      MultipartParser parser = new MultipartParser(B, recorder);
      parser.feed(Buffer.buffer(Arrays.copyOfRange(BODY, 0, cut)));
      parser.feed(Buffer.buffer(Arrays.copyOfRange(BODY, cut, BODY.length)));
      parser.finish();
      assertThat(recorder.events()).as("cut at %d", cut).containsExactlyElementsOf(EXPECTED);
    }
  }

  @Test
  void aBodyFedOneByteAtATime() {
    assertThat(parse(BODY, 1)).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void aBodyInRandomChunksOfRandomContent() {
    Random random = new Random(7);
    byte[] content = new byte[300_000];
    random.nextBytes(content);
    // sprinkle pieces of the delimiter through the content
    byte[] delimiter = ascii("\r\n--" + B);
    for (int i = 0; i < 2000; i++) {
      int at = random.nextInt(content.length - delimiter.length);
      System.arraycopy(delimiter, 0, content, at, 1 + random.nextInt(delimiter.length - 1));
    }
    byte[] body =
        concat(
            ascii("--" + B + "\r\nContent-Disposition: form-data; name=f; filename=r.bin\r\n\r\n"),
            content,
            ascii("\r\n--" + B + "--"));
    for (int round = 0; round < 20; round++) {
      Recorder recorder = new Recorder();
      MultipartParser parser = new MultipartParser(B, recorder);
      for (int at = 0; at < body.length; ) {
        int length = Math.min(body.length - at, 1 + random.nextInt(70_000));
        parser.feed(Buffer.buffer(Arrays.copyOfRange(body, at, at + length)));
        at += length;
      }
      parser.finish();
      assertThat(recorder.content(0)).isEqualTo(content);
      assertThat(recorder.events()).last().isEqualTo("closed");
    }
  }

  /**
   * Many parts of every size in one chunk, and in random pieces: each delimiter is found where it
   * is, the first one first, wherever the two scans of the search stand (one may reach a later
   * delimiter before the other reaches an earlier one).
   */
  @Test
  void manyPartsOfEverySizeComeOutWhole() {
    Random random = new Random(11);
    List<byte[]> contents = new ArrayList<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int part = 0; part < 400; part++) {
      int size = random.nextInt(4) == 0 ? random.nextInt(8) : random.nextInt(3_000);
      byte[] content = new byte[size];
      random.nextBytes(content);
      contents.add(content);
      body.writeBytes(
          ascii(
              "--"
                  + B
                  + "\r\nContent-Disposition: form-data; name=f"
                  + part
                  + "; filename=p.bin\r\n\r\n"));
      body.writeBytes(content);
      body.writeBytes(ascii("\r\n"));
    }
    body.writeBytes(ascii("--" + B + "--"));
    byte[] bytes = body.toByteArray();
    for (int round = 0; round < 10; round++) {
      Recorder recorder = new Recorder();
      MultipartParser parser = new MultipartParser(B, recorder);
      int most = round == 0 ? bytes.length : 1 + random.nextInt(60_000);
      for (int at = 0; at < bytes.length; ) {
        int length = Math.min(bytes.length - at, round == 0 ? most : 1 + random.nextInt(most));
        parser.feed(Buffer.buffer(Arrays.copyOfRange(bytes, at, at + length)));
        at += length;
      }
      parser.finish();
      for (int part = 0; part < contents.size(); part++) {
        assertThat(recorder.content(part))
            .as("part %d, round %d", part, round)
            .isEqualTo(contents.get(part));
      }
      assertThat(recorder.events()).last().isEqualTo("closed");
    }
  }

  @Test
  void aSuspendedParserKeepsTheRestOfTheChunkUntilResumed() {
    List<String> events = new ArrayList<>();
    MultipartParser[] parser = new MultipartParser[1];
    Recorder recorder =
        new Recorder() {
          @Override
          public void data(Buffer bytes) {
            super.data(bytes);
            parser[0].suspend();
          }

          @Override
          public void part(MultipartParser.Part part) {
            super.part(part);
            parser[0].suspend();
          }
        };
    parser[0] = new MultipartParser(B, recorder);
    for (int at = 0; at < BODY.length; at += 10) {
      parser[0].feed(Buffer.buffer(Arrays.copyOfRange(BODY, at, Math.min(BODY.length, at + 10))));
      while (parser[0].suspended()) {
        parser[0].resume();
      }
      assertThat(parser[0].holding()).isFalse();
    }
    parser[0].finish();
    events.addAll(recorder.events());
    assertThat(events).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void contentIsHandedOnAsSlicesOfTheChunkNotCopies() {
    byte[] body =
        concat(
            ascii("--" + B + "\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n"),
            new byte[100_000],
            ascii("\r\n--" + B + "--"));
    Buffer chunk = Buffer.buffer(body);
    List<Buffer> pieces = new ArrayList<>();
    MultipartParser parser =
        new MultipartParser(
            B,
            new Recorder() {
              @Override
              public void data(Buffer bytes) {
                pieces.add(bytes);
              }
            });
    parser.feed(chunk);

    assertThat(pieces).hasSize(1);
    // a slice shares the chunk's bytes: a change to the chunk shows in it
    int offset = body.length - 100_000 - ("\r\n--" + B + "--").length();
    chunk.setByte(offset, (byte) 9);
    assertThat(pieces.get(0).getByte(0)).isEqualTo((byte) 9);
  }

  @Test
  void severalFilesUnderOneNameInAMultipartMixedPartAreEachAPart() {
    // what Vert.x's WebClient (Netty's encoder) sends for several files under one field name
    byte[] body =
        concat(
            ascii("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"\r\n"),
            ascii("Content-Type: multipart/mixed; boundary=inner-77\r\n\r\n"),
            ascii("--inner-77\r\nContent-Disposition: attachment; filename=\"a.png\"\r\n"),
            ascii("Content-Type: image/png\r\n\r\n"),
            TRICKY,
            ascii("\r\n--inner-77\r\nContent-Disposition: file; filename=b.csv\r\n\r\n"),
            ascii("x,y\r\n--inner-7"),
            ascii("\r\n--inner-77--\r\n"),
            ascii("\r\n--" + B + "\r\nContent-Disposition: form-data; name=n\r\n\r\nv"),
            ascii("\r\n--" + B + "--\r\n"));
    List<String> expected =
        List.of(
            "part file a.png image/png",
            "data " + new String(TRICKY, StandardCharsets.ISO_8859_1),
            "end",
            "part file b.csv null",
            "data x,y\r\n--inner-7",
            "end",
            "part n null null",
            "data v",
            "end",
            "closed");
    for (int cut = 0; cut <= body.length; cut++) {
      Recorder recorder = new Recorder();
      MultipartParser parser = new MultipartParser(B, recorder);
      parser.feed(Buffer.buffer(Arrays.copyOfRange(body, 0, cut)));
      parser.feed(Buffer.buffer(Arrays.copyOfRange(body, cut, body.length)));
      parser.finish();
      assertThat(recorder.events()).as("cut at %d", cut).containsExactlyElementsOf(expected);
    }
    // cut short inside the mixed part: the error names its field
    byte[] cut = Arrays.copyOf(body, body.length / 2);
    assertThatThrownBy(() -> parse(cut, 9))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "file"));
  }

  @Test
  void theBodyVertxWebClientSendsForTwoFilesUnderOneName() {
    // byte for byte what MultipartForm with two binaryFileUploads named "file" sends (Vert.x
    // 5.0.10),
    // the boundary lines repeated at the start included
    String outer = "ffec76973be68099";
    String inner = "8332cdf9f856e3dd";
    byte[] body =
        ascii(
            "--"
                + outer
                + "\r\n--"
                + outer
                + "\r\ncontent-disposition: form-data; name=\"file\"\r\n"
                + "content-type: multipart/mixed; boundary="
                + inner
                + "\r\n\r\n--"
                + inner
                + "\r\ncontent-disposition: attachment; filename=\"f1.png\"\r\n"
                + "content-type: application/octet-stream\r\n"
                + "content-transfer-encoding: binary\r\n\r\naaaa\r\n--"
                + inner
                + "\r\ncontent-disposition: attachment; filename=\"f2.csv\"\r\n"
                + "content-length: 4\r\ncontent-type: application/octet-stream\r\n"
                + "content-transfer-encoding: binary\r\n\r\nbbbb\r\n--"
                + inner
                + "--\r\n--"
                + outer
                + "--\r\n");
    for (int chunk : new int[] {1, 3, 64, body.length}) {
      Recorder recorder = new Recorder();
      MultipartParser parser = new MultipartParser(outer, recorder);
      for (int at = 0; at < body.length; at += chunk) {
        parser.feed(Buffer.buffer(Arrays.copyOfRange(body, at, Math.min(body.length, at + chunk))));
      }
      parser.finish();
      assertThat(recorder.events())
          .as("chunks of %d", chunk)
          .containsExactly(
              "part file f1.png application/octet-stream",
              "data aaaa",
              "end",
              "part file f2.csv application/octet-stream",
              "data bbbb",
              "end",
              "closed");
    }
  }

  @Test
  void aPreambleAndAClosingDelimiterAloneHoldNoPart() {
    assertThat(parse(ascii("hello\r\n--" + B + "--"), 3)).containsExactly("closed");
  }

  @Test
  void theBoundaryIsReadFromTheContentType() {
    assertThat(MultipartParser.boundaryOf("multipart/form-data; boundary=" + B)).isEqualTo(B);
    assertThat(MultipartParser.boundaryOf("Multipart/Form-Data;charset=utf-8;BOUNDARY=\"a b:c\""))
        .isEqualTo("a b:c");
  }

  @Test
  void aContentTypeWithoutAValidBoundaryIsABadRequestNamingIt() {
    for (String type :
        List.of(
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"\"",
            "multipart/form-data; boundary=a\rb",
            "multipart/form-data; boundary=\"ends-with-space \"",
            "multipart/form-data; boundary=" + "x".repeat(71),
            "multipart/form-data; boundary=semi;colon")) {
      if (type.endsWith("semi;colon")) {
        // ";colon" is another parameter: the boundary is "semi", which is valid
        assertThat(MultipartParser.boundaryOf(type)).isEqualTo("semi");
        continue;
      }
      assertThatThrownBy(() -> MultipartParser.boundaryOf(type))
          .as(type)
          .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Type"));
    }
  }

  @Test
  void aBodyCutShortInsideAPartNamesThePartsField() {
    byte[] body = Arrays.copyOf(BODY, 200);
    assertThatThrownBy(() -> parse(body, 7))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "file"));
  }

  @Test
  void aBodyCutShortInsideThePartsHeadersNamesContentDisposition() {
    byte[] body = ascii("--" + B + "\r\nContent-Disposition: form-da");
    assertThatThrownBy(() -> parse(body, 5))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Disposition"));
  }

  @Test
  void aBodyWithoutTheBoundaryIsABadRequest() {
    assertThatThrownBy(() -> parse(ascii("just some text, no parts"), 4))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Type"));
  }

  @Test
  void aBoundaryLineWithGarbageAfterItIsABadRequest() {
    byte[] body = ascii("--" + B + "X\r\nContent-Disposition: form-data; name=a\r\n\r\nv");
    assertThatThrownBy(() -> parse(body, body.length))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Type"));
    byte[] single = ascii("--" + B + "-x");
    assertThatThrownBy(() -> parse(single, 1))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Type"));
  }

  @Test
  void aBoundaryLineWithABareLfIsABadRequest() {
    byte[] body = ascii("--" + B + "\r\rContent-Disposition: form-data; name=a\r\n\r\nv");
    assertThatThrownBy(() -> parse(body, 2))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Type"));
  }

  @Test
  void partHeadersThatAreNotFormDataOrHaveNoNameAreBadRequests() {
    for (String headers :
        List.of(
            "Content-Type: image/png\r\n",
            "Content-Disposition: attachment; name=a\r\n",
            "Content-Disposition: form-data; filename=a.png\r\n",
            "no colon here\r\n")) {
      byte[] body = ascii("--" + B + "\r\n" + headers + "\r\ncontent\r\n--" + B + "--");
      assertThatThrownBy(() -> parse(body, 3))
          .as(headers)
          .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Disposition"));
    }
  }

  @Test
  void partHeadersOverTheLimitAreABadRequest() {
    byte[] body =
        ascii(
            "--"
                + B
                + "\r\nContent-Disposition: form-data; name=a\r\nX-Long: "
                + "y".repeat(MultipartParser.MAX_HEADERS)
                + "\r\n\r\n");
    assertThatThrownBy(() -> parse(body, 1000))
        .isInstanceOfSatisfying(ApiException.class, e -> badRequest(e, "Content-Disposition"));
  }

  private static void badRequest(ApiException e, String field) {
    assertThat(e.type()).isEqualTo(ErrorType.BAD_REQUEST);
    assertThat(e.field()).isEqualTo(field);
  }

  private static List<String> parse(byte[] body, int chunk) {
    Recorder recorder = new Recorder();
    MultipartParser parser = new MultipartParser(B, recorder);
    for (int at = 0; at < body.length; at += chunk) {
      parser.feed(Buffer.buffer(Arrays.copyOfRange(body, at, Math.min(body.length, at + chunk))));
    }
    parser.finish();
    return recorder.events();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(byte[]... pieces) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] piece : pieces) {
      out.writeBytes(piece);
    }
    return out.toByteArray();
  }

  /** Events as text; the content of a part is joined into one "data" event. */
  private static class Recorder implements MultipartParser.Listener {
    private final List<String> events = new ArrayList<>();
    private final List<ByteArrayOutputStream> contents = new ArrayList<>();
    private ByteArrayOutputStream content;

    @Override
    public void part(MultipartParser.Part part) {
      events.add("part " + part.name() + " " + part.filename() + " " + part.contentType());
      content = new ByteArrayOutputStream();
      contents.add(content);
    }

    @Override
    public void data(Buffer bytes) {
      assertThat(bytes.length()).isPositive();
      content.writeBytes(bytes.getBytes());
    }

    @Override
    public void partEnd() {
      events.add("data " + content.toString(StandardCharsets.ISO_8859_1));
      events.add("end");
    }

    @Override
    public void end() {
      events.add("closed");
    }

    List<String> events() {
      return events;
    }

    byte[] content(int part) {
      return contents.get(part).toByteArray();
    }
  }
}
