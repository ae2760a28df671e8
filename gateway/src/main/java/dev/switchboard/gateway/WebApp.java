package dev.switchboard.gateway;

import dev.switchboard.common.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * Serves the browser app (the {@code web} module's build, {@code webroot/} on the classpath) at
 * {@code /}: its hashed files under {@code /assets/} with a year's immutable cache (a new build has
 * new names), and {@code index.html}, never cached so that a new build is picked up at the next
 * load, for every other page path (the app routes in the browser). {@code /api} stays the API's: an
 * unknown API path is the API's 404 problem, not the app.
 */
final class WebApp {

  /** Where the web module packs its build. */
  static final String ROOT = "webroot";

  /** What index.html holds in place of the hub's port until it is served. */
  static final String HUB_PORT_PLACEHOLDER = "__SWITCHBOARD_HUB_PORT__";

  private static final long YEAR_SECONDS = 365L * 24 * 3600;

  /** Page paths: everything but the API and the built files (whose misses stay 404). */
  private static final String PAGE_PATHS = "^/(?!api(/|$)|assets/)[^.]*$";

  private final Vertx vertx;
  private final String root;
  private final int hubPort;
  private Future<Buffer> index;

  private WebApp(Vertx vertx, String root, int hubPort) {
    this.vertx = vertx;
    this.root = root;
    this.hubPort = hubPort;
  }

  /**
   * Mounts the app's routes; call after every other route, so that theirs come first.
   *
   * @param root the classpath (or working-directory) folder of the build
   * @param hubPort the hub's port, written into the page for the app to connect to
   */
  static void mount(Router router, Vertx vertx, String root, int hubPort) {
    WebApp app = new WebApp(vertx, root, hubPort);
    router
        .get("/assets/*")
        .handler(
            StaticHandler.create(root + "/assets")
                .setCachingEnabled(true)
                .setMaxAgeSeconds(YEAR_SECONDS)
                .setDirectoryListing(false));
    router.getWithRegex(PAGE_PATHS).handler(app::page);
  }

  private void page(RoutingContext ctx) {
    index()
        .onSuccess(
            html ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .end(html))
        .onFailure(
            missing ->
                ctx.fail(
                    ApiException.notFound(
                        "The web app is not built into this gateway: build it with"
                            + " `mvn -pl web,gateway -am package` (needs Node.js 20.19+ and npm), or"
                            + " run `npm run dev` in web/ against this gateway (docs/web.md)")));
  }

  /** index.html with the hub's port, read once (the build does not change under a running jar). */
  private Future<Buffer> index() {
    if (index == null || index.failed()) {
      index =
          vertx
              .fileSystem()
              .readFile(root + "/index.html")
              .map(
                  html ->
                      Buffer.buffer(
                          html.toString()
                              .replace(HUB_PORT_PLACEHOLDER, Integer.toString(hubPort))));
    }
    return index;
  }
}
