package dev.switchboard.files.analysis;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.lang.Rational;
import com.drew.metadata.Directory;
import com.drew.metadata.Metadata;
import com.drew.metadata.mov.QuickTimeDirectory;
import com.drew.metadata.mov.media.QuickTimeSoundDirectory;
import com.drew.metadata.mov.media.QuickTimeVideoDirectory;
import com.drew.metadata.mp3.Mp3Directory;
import com.drew.metadata.mp4.Mp4Directory;
import com.drew.metadata.mp4.media.Mp4SoundDirectory;
import com.drew.metadata.mp4.media.Mp4VideoDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/**
 * Audio and video, read from their headers, never decoded: WAV, AIFF and AU through the JDK's
 * {@code javax.sound} (exact duration from the frame count); MP4, M4A and QuickTime (duration,
 * picture size, codecs, sample rate, channels) and MP3 (sample rate, channels, codec) through
 * metadata-extractor. Other formats, and what a header does not say, stay null.
 */
final class MediaInspector {

  /** The types {@code javax.sound} reads, as Tika names them. */
  private static final Set<String> SAMPLED =
      Set.of(
          "audio/vnd.wave",
          "audio/wav",
          "audio/x-wav",
          "audio/aiff",
          "audio/x-aiff",
          "audio/basic");

  static boolean handles(String type) {
    return type.startsWith("audio/") || type.startsWith("video/");
  }

  /** What is known of a file of {@code type} whose header could not be read: its kind only. */
  static Details.Media unread(String type) {
    return new Details.Media(kind(type), null, null, null, null, null, null);
  }

  private static String kind(String type) {
    return type.startsWith("video/") ? "video" : "audio";
  }

  Details.Media read(Path file, String type)
      throws IOException, ImageProcessingException, UnsupportedAudioFileException {
    String kind = kind(type);
    if (SAMPLED.contains(type)) {
      AudioFileFormat read = AudioSystem.getAudioFileFormat(file.toFile());
      AudioFormat format = read.getFormat();
      Double seconds =
          read.getFrameLength() > 0 && format.getFrameRate() > 0
              ? read.getFrameLength() / (double) format.getFrameRate()
              : null;
      return new Details.Media(
          kind,
          seconds,
          null,
          null,
          Math.round(format.getSampleRate()),
          format.getChannels(),
          format.getEncoding().toString());
    }
    Metadata metadata = ImageMetadataReader.readMetadata(file.toFile());
    Directory movie = first(metadata, Mp4Directory.class, QuickTimeDirectory.class);
    Directory video = first(metadata, Mp4VideoDirectory.class, QuickTimeVideoDirectory.class);
    Directory sound = first(metadata, Mp4SoundDirectory.class, QuickTimeSoundDirectory.class);
    Mp3Directory mp3 = metadata.getFirstDirectoryOfType(Mp3Directory.class);
    Double seconds = null;
    if (movie != null
        && movie.getObject(Mp4Directory.TAG_DURATION_SECONDS) instanceof Rational duration
        && duration.getDenominator() != 0) {
      // the same tag number in both directories
      seconds = duration.doubleValue();
    }
    Integer width = null;
    Integer height = null;
    String codec = null;
    if (video instanceof Mp4VideoDirectory mp4) {
      width = number(mp4, Mp4VideoDirectory.TAG_WIDTH);
      height = number(mp4, Mp4VideoDirectory.TAG_HEIGHT);
      codec = mp4.getString(Mp4VideoDirectory.TAG_COMPRESSION_TYPE);
    } else if (video instanceof QuickTimeVideoDirectory qt) {
      width = number(qt, QuickTimeVideoDirectory.TAG_WIDTH);
      height = number(qt, QuickTimeVideoDirectory.TAG_HEIGHT);
      codec = qt.getString(QuickTimeVideoDirectory.TAG_COMPRESSION_TYPE);
    }
    Integer sampleRate = null;
    Integer channels = null;
    if (sound instanceof Mp4SoundDirectory mp4) {
      sampleRate = number(mp4, Mp4SoundDirectory.TAG_AUDIO_SAMPLE_RATE);
      channels = number(mp4, Mp4SoundDirectory.TAG_NUMBER_OF_CHANNELS);
      codec = codec != null ? codec : mp4.getString(Mp4SoundDirectory.TAG_AUDIO_FORMAT);
    } else if (sound instanceof QuickTimeSoundDirectory qt) {
      sampleRate = number(qt, QuickTimeSoundDirectory.TAG_AUDIO_SAMPLE_RATE);
      channels = number(qt, QuickTimeSoundDirectory.TAG_NUMBER_OF_CHANNELS);
      codec = codec != null ? codec : qt.getString(QuickTimeSoundDirectory.TAG_AUDIO_FORMAT);
    } else if (mp3 != null) {
      sampleRate = number(mp3, Mp3Directory.TAG_FREQUENCY);
      String mode = mp3.getString(Mp3Directory.TAG_MODE);
      channels = mode == null ? null : mode.startsWith("Single") ? 1 : 2;
      String id = mp3.getString(Mp3Directory.TAG_ID);
      String layer = mp3.getString(Mp3Directory.TAG_LAYER);
      codec = id == null || layer == null ? null : id + " " + layer;
    }
    return new Details.Media(kind, seconds, width, height, sampleRate, channels, codec);
  }

  @SafeVarargs
  private static Directory first(Metadata metadata, Class<? extends Directory>... types) {
    for (Class<? extends Directory> type : types) {
      Directory found = metadata.getFirstDirectoryOfType(type);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static Integer number(Directory directory, int tag) {
    return directory.getObject(tag) instanceof Number value ? value.intValue() : null;
  }
}
