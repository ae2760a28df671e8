package dev.switchboard.hub;

import java.util.Locale;

/**
 * Every error code a hub client may find in a negative acknowledgement, {@code {ok:false,
 * error:{code, message}}}. {@code docs/realtime.md} lists exactly these.
 */
enum AckError {
  /** The payload is wrong; the message says what is expected. */
  BAD_REQUEST,
  /** The token's role may not do this. */
  FORBIDDEN,
  /** What the command names does not exist. */
  NOT_FOUND,
  /** The command clashes with the state of what it names (a service being deleted, say). */
  CONFLICT,
  /** The service behind the command is not running. */
  UNAVAILABLE,
  /** The service behind the command did not answer in time. */
  TIMEOUT,
  /** The socket follows as many rooms or streams as it may. */
  TOO_MANY_ROOMS,
  /** The socket holds as many MCP sessions, or has as many MCP requests in flight, as it may. */
  TOO_MANY_REQUESTS,
  /** Sent by the socket layer: the client sends events faster than it may. */
  RATE_LIMITED,
  /** Sent by the socket layer: the namespace has no such event. */
  UNKNOWN_EVENT,
  /** Anything else; the message says no more than that. */
  INTERNAL;

  /** The code on the wire: {@code bad_request}, {@code not_found}... */
  String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
