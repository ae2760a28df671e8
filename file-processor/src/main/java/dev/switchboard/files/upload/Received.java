package dev.switchboard.files.upload;

import java.nio.file.Path;

public record Received(
    String uploadId,
    Path file,
    String name,
    String declaredType,
    String detectedType,
    long size,
    String sha256) {}
