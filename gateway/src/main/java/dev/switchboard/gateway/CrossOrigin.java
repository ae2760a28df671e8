package dev.switchboard.gateway;

import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.List;
import java.util.Set;

/**
 * CORS for the REST API, from the same list as the hub's ({@code corsOrigins}, the setting
 * CORS_ORIGINS): a page served from a listed origin, such as a Next.js frontend of its own on
 * {@code http://localhost:3005}, may call the API with its bearer token, and its preflight is
 * answered for the API's methods and the headers it sends (Authorization, Content-Type, Range and
 * tus's). A page from any other origin is refused with 403 and no CORS header, so a browser shows
 * it nothing; a request from the gateway's own origin (its Origin is the Host it called) is not
 * cross-origin and passes whatever the list says.
 *
 * <p>Which origins pass is decided here, once; vertx-web's {@link CorsHandler} then speaks the
 * protocol (preflight answer, {@code Access-Control-Allow-Origin} echoing the origin, {@code
 * Vary}).
 */
final class CrossOrigin implements Handler<RoutingContext> {

  static final Set<HttpMethod> METHODS =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.PATCH,
          HttpMethod.DELETE);

  static final Set<String> REQUEST_HEADERS =
      Set.of(
          "Authorization",
          "Content-Type",
          "Range",
          "If-None-Match",
          "Tus-Resumable",
          "Upload-Length",
          "Upload-Offset",
          "Upload-Metadata",
          "Upload-Defer-Length");

  /** What a script may read of an answer besides the CORS-safelisted headers. */
  static final Set<String> EXPOSED_HEADERS =
      Set.of(
          "Location",
          "ETag",
          "Accept-Ranges",
          "Content-Range",
          "Content-Disposition",
          "Allow",
          "WWW-Authenticate",
          "Tus-Resumable",
          "Tus-Version",
          "Tus-Extension",
          "Tus-Max-Size",
          "Upload-Offset",
          "Upload-Length",
          "Upload-Expires",
          "Upload-Metadata");

  /** How long a browser may keep a preflight's answer. */
  static final int MAX_AGE_SECONDS = 600;

  private final boolean anyOrigin;
  private final List<String> origins;
  private final CorsHandler protocol;

  CrossOrigin(List<String> origins) {
    this.anyOrigin = origins.contains("*");
    this.origins = List.copyOf(origins);
    // every origin that reaches it is allowed (checked in handle): it accepts any, and answers
    // with the origin itself, as a page that sends credentials needs
    this.protocol =
        CorsHandler.create()
            .allowedMethods(METHODS)
            .allowedHeaders(REQUEST_HEADERS)
            .exposedHeaders(EXPOSED_HEADERS)
            .allowCredentials(true)
            .allowPrivateNetwork(true)
            .maxAgeSeconds(MAX_AGE_SECONDS);
  }

  /** From a config slice's {@code corsOrigins} array (absent: no other origin is allowed). */
  static CrossOrigin fromConfig(JsonObject config) {
    return new CrossOrigin(
        config.getJsonArray("corsOrigins", new JsonArray()).stream().map(String::valueOf).toList());
  }

  @Override
  public void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null || sameOrigin(origin, ctx.request().getHeader(HttpHeaders.HOST))) {
      ctx.next();
    } else if (anyOrigin || origins.contains(origin)) {
      protocol.handle(ctx);
    } else {
      ctx.fail(
          new ApiException(
              ErrorType.FORBIDDEN,
              "the origin "
                  + origin
                  + " may not use this API from a browser; add it to CORS_ORIGINS to allow it",
              (String) null));
    }
  }

  private static boolean sameOrigin(String origin, String host) {
    return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }
}
