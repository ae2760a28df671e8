package dev.switchboard.files.analysis;

import java.nio.file.Path;

/**
 * One thumbnail written next to the others.
 *
 * @param size the long side asked for
 * @param width the real width, never more than the original's
 * @param height the real height
 * @param mediaType {@code image/jpeg}, or {@code image/png} when the picture has transparency
 * @param file where it was written
 */
public record Thumbnail(int size, int width, int height, String mediaType, Path file) {}
