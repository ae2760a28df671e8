package dev.switchboard.common.http;

/**
 * The one domain exception: it carries the {@link ErrorType} that becomes the HTTP status (or the
 * event-bus failure code) and, for bad input, the name of the field or parameter at fault.
 */
public final class ApiException extends RuntimeException {

  /** Marks the field name in a bad-input failure that crosses the event bus. */
  static final String FIELD_MARK = "@field:";

  private final ErrorType type;
  private final String field;

  public ApiException(ErrorType type, String detail, String field) {
    super(detail, null, false, false);
    this.type = type;
    this.field = field;
  }

  private ApiException(ErrorType type, String detail, Throwable cause) {
    super(detail, cause, false, true);
    this.type = type;
    this.field = null;
  }

  /** Bad input in the named field or query parameter. */
  public static ApiException invalid(String field, String detail) {
    return new ApiException(ErrorType.BAD_REQUEST, detail, field);
  }

  public static ApiException notFound(String detail) {
    return new ApiException(ErrorType.NOT_FOUND, detail, (String) null);
  }

  public static ApiException unavailable(String detail) {
    return new ApiException(ErrorType.UNAVAILABLE, detail, (String) null);
  }

  public static ApiException timeout(String detail) {
    return new ApiException(ErrorType.TIMEOUT, detail, (String) null);
  }

  public static ApiException internal(Throwable cause) {
    return new ApiException(ErrorType.INTERNAL, "internal error", cause);
  }

  /** Rebuilds an exception from a status code and detail that crossed the event bus. */
  public static ApiException fromStatus(int status, String detail) {
    ErrorType type = ErrorType.ofStatus(status);
    String field = null;
    String text = detail;
    // a failure crossing the bus carries its field (see wireMessage): a 400's bad field, a 409's
    // taken name
    if (detail != null && detail.startsWith(FIELD_MARK)) {
      int end = detail.indexOf(' ', FIELD_MARK.length());
      if (end > 0) {
        field = detail.substring(FIELD_MARK.length(), end);
        text = detail.substring(end + 1);
      }
    }
    return new ApiException(type, text, field);
  }

  /** The message to put on the event bus: the detail, prefixed with the field when there is one. */
  public String wireMessage() {
    return field == null ? getMessage() : FIELD_MARK + field + " " + getMessage();
  }

  public ErrorType type() {
    return type;
  }

  public int status() {
    return type.status();
  }

  public String field() {
    return field;
  }
}
