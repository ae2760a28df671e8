package dev.switchboard.files.upload;

import java.nio.file.Path;

/**
 * A complete upload handed to {@link Intake}.
 *
 * @param uploadId the id progress events carried for it
 * @param file where its bytes are, under the uploads directory
 * @param name the uploader's file name (multipart filename, tus {@code filename} metadata); may be
 *     null
 * @param declaredType the uploader's content type; may be null
 * @param detectedType the type sniffed from its first bytes, already allowed
 * @param size its length in bytes
 * @param sha256 the SHA-256 of its bytes, lower-case hex
 */
public record Received(
    String uploadId,
    Path file,
    String name,
    String declaredType,
    String detectedType,
    long size,
    String sha256) {}
