package dev.switchboard.common.http;

import java.util.Arrays;

/** The kinds of error the API answers, each with its HTTP status and a stable code for clients. */
public enum ErrorType {
  BAD_REQUEST(400, "bad-request", "Bad Request"),
  UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
  FORBIDDEN(403, "forbidden", "Forbidden"),
  NOT_FOUND(404, "not-found", "Not Found"),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method Not Allowed"),
  CONFLICT(409, "conflict", "Conflict"),
  PRECONDITION_FAILED(412, "precondition-failed", "Precondition Failed"),
  PAYLOAD_TOO_LARGE(413, "payload-too-large", "Content Too Large"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported Media Type"),
  TOO_MANY_REQUESTS(429, "too-many-requests", "Too Many Requests"),
  INTERNAL(500, "internal", "Internal Server Error"),
  UNAVAILABLE(503, "unavailable", "Service Unavailable"),
  TIMEOUT(504, "timeout", "Gateway Timeout");

  private final int status;
  private final String code;
  private final String title;

  ErrorType(int status, String code, String title) {
    this.status = status;
    this.code = code;
    this.title = title;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String title() {
    return title;
  }

  /** The type for a status; an unknown 4xx becomes BAD_REQUEST and anything else INTERNAL. */
  public static ErrorType ofStatus(int status) {
    return Arrays.stream(values())
        .filter(t -> t.status == status)
        .findFirst()
        .orElse(status >= 400 && status < 500 ? BAD_REQUEST : INTERNAL);
  }
}
