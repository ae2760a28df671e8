package dev.switchboard.app;

import static dev.switchboard.app.LauncherIT.START_TIMEOUT;
import static dev.switchboard.app.SwitchboardProcess.dataDir;
import static dev.switchboard.app.WebPages.waitFor;
import static dev.switchboard.common.testing.FreePorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.app.WebPages.Credential;
import dev.switchboard.app.WebPages.Spark;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The browser app end to end, in a real headless Chromium (Debian's chromium and chromium-driver,
 * driven by Selenium), against the real launcher: a database process, one process with the gateway,
 * supervisor, system-stats and file-processor, and the hub in a process of its own so that it can
 * be killed and started again while the page stays open. Screenshots of every page, and of the end
 * of every test (failed or not), land in {@code app/target/e2e-screenshots/}; the figures (bundle
 * size, first render, the dashboard's CPU) are printed as {@code [measure]} lines.
 */
@EnabledOnOs(OS.LINUX)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class WebAppIT {

  private static final Credential ADMIN =
      new Credential("admin", "e2e-admin-token-" + UUID.randomUUID());
  private static final Credential VIEWER =
      new Credential("viewer", "e2e-viewer-token-" + UUID.randomUUID());

  /** A managed service that prints a numbered line five times a second until stopped. */
  private static final String TICKER = "ticker";

  private static final String FROM_TEMPLATE = "e2e-static";

  /** How long the dashboard's CPU is measured (seconds); -De2e.cpuSeconds=30 for a longer look. */
  private static final int CPU_SECONDS = Integer.getInteger("e2e.cpuSeconds", 20);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private final Processes processes = new Processes();

  /** The processes' data; deleted after {@link #stopSwitchboard} ended them. */
  @TempDir static Path temp;

  private String base;
  private SwitchboardProcess core;
  private SwitchboardProcess hub;
  private SwitchboardProcess.Builder hubBuilder;

  private Browser browser;
  private WebPages pages;

  @BeforeAll
  void startSwitchboard() throws Exception {
    Assumptions.assumeTrue(
        Browser.installed(),
        "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
    SwitchboardProcess db =
        processes.start(
            SwitchboardProcess.builder("e2e-db").dataDir(dataDir(temp, "db")).args("db"));
    String databaseUrl = LauncherIT.databaseUrl(db, START_TIMEOUT);

    String clusterName = "switchboard-e2e-" + UUID.randomUUID();
    int corePort = freePort();
    int hubClusterPort = freePort();
    String members = "127.0.0.1:" + corePort + ",127.0.0.1:" + hubClusterPort;
    int gatewayPort = freePort();
    int hubPort = freePort();
    base = "http://127.0.0.1:" + gatewayPort;

    core =
        processes.start(
            SwitchboardProcess.builder("e2e-core")
                .args("--services", "gateway,supervisor,system-stats,file-processor", "--cluster")
                .dataDir(dataDir(temp, "core"))
                .env("DATABASE_URL", databaseUrl)
                .env("GATEWAY_PORT", gatewayPort)
                .env("HUB_PORT", hubPort)
                .env("ADMIN_TOKEN", ADMIN.token())
                .env("VIEWER_TOKEN", VIEWER.token())
                .env("STATS_INTERVAL", "1s")
                .env("CLUSTER_NAME", clusterName)
                .env("CLUSTER_PORT", corePort)
                .env("CLUSTER_MEMBERS", members));
    hubBuilder =
        SwitchboardProcess.builder("e2e-hub")
            .args("--services", "ws-hub", "--cluster")
            .dataDir(dataDir(temp, "hub"))
            .env("GATEWAY_PORT", gatewayPort) // the hub accepts the gateway's origin
            .env("HUB_PORT", hubPort)
            .env("ADMIN_TOKEN", ADMIN.token())
            .env("VIEWER_TOKEN", VIEWER.token())
            .env("CLUSTER_NAME", clusterName)
            .env("CLUSTER_PORT", hubClusterPort)
            .env("CLUSTER_MEMBERS", members);
    hub = processes.start(hubBuilder);
    core.awaitStdout("Ready in", START_TIMEOUT);
    hub.awaitStdout("Ready in", START_TIMEOUT);
    Http.await(base + "/readiness", null, r -> r.status() == 200, core, Duration.ofSeconds(60));

    JsonObject ticker =
        new JsonObject()
            .put("name", TICKER)
            .put("shell", true)
            .put("command", "i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.2; done")
            .put("restart", "no");
    assertThat(api("POST", "/api/v1/services", ticker).statusCode()).isEqualTo(201);
  }

  @AfterAll
  void stopSwitchboard() {
    processes.close();
  }

  @BeforeEach
  void openBrowser() {
    browser = new Browser();
    pages = new WebPages(browser.driver(), base);
  }

  @AfterEach
  void closeBrowser(TestInfo test) {
    if (browser != null) {
      try {
        browser.printConsole();
        // the page as the test left it: what one looks at first when it failed
        browser.screenshot("last-" + test.getTestMethod().orElseThrow().getName());
      } finally {
        browser.close();
        browser = null;
      }
    }
  }

  // ---------------------------------------------------------------- sign-in and the dashboard

  @Test
  @Order(1)
  void aColdLoadShowsTheSignInForm() {
    browser.driver().get(base + "/");
    waitFor(
        "the sign-in form", () -> browser.driver().findElement(org.openqa.selenium.By.id("token")));
    browser.screenshot("sign-in");
    @SuppressWarnings("unchecked")
    Map<String, Object> timing =
        (Map<String, Object>)
            pages.script(
                "const n = performance.getEntriesByType('navigation')[0];"
                    + "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                    + "return {ttfb: n.responseStart, dcl: n.domContentLoadedEventEnd,"
                    + " load: n.loadEventEnd, fcp: p ? p.startTime : -1,"
                    + " bytes: performance.getEntriesByType('resource')"
                    + ".reduce((sum, r) => sum + r.transferSize, n.transferSize)};");
    double fcp = ((Number) timing.get("fcp")).doubleValue();
    assertThat(fcp).as("first-contentful-paint of %s", timing).isPositive();
    System.out.printf(
        "%n[measure] cold load of / from the gateway (fresh Chromium profile, headless): first"
            + " byte %.0f ms, DOMContentLoaded %.0f ms, load %.0f ms, first-contentful-paint %.0f ms,"
            + " %d bytes transferred%n%n",
        num(timing, "ttfb"),
        num(timing, "dcl"),
        num(timing, "load"),
        fcp,
        (long) num(timing, "bytes"));
  }

  /**
   * The first-start link the core process printed in its banner (a one-time code in the fragment,
   * not the admin token) signs a fresh browser in as admin, and leaves the address bar without the
   * code; opened again in the signed-in tab, the used code is taken out of the address bar and the
   * session goes on; in a fresh page with no session, it is refused with a message on the sign-in
   * page. The code is in no line the process printed but the banner's.
   */
  @Test
  @Order(2)
  void aNewUserOpensTheBannersLinkAndIsIn() {
    String line = core.awaitStdout("Sign in ", START_TIMEOUT).text();
    Matcher matcher = Pattern.compile("(http://\\S+/#code=([A-Za-z0-9_-]+))").matcher(line);
    assertThat(matcher.find()).as("a sign-in link in %s", line).isTrue();
    String link = matcher.group(1);
    String code = matcher.group(2);
    assertThat(link).startsWith(base + "/#code=");
    assertThat(code).hasSizeGreaterThanOrEqualTo(22).isNotEqualTo(ADMIN.token());
    assertThat(line).doesNotContain(ADMIN.token());

    pages.signInThroughLink(link, ADMIN.role());
    browser.screenshot("signed-in-through-link");
    assertThat(browser.driver().getCurrentUrl()).doesNotContain(code).doesNotContain("#code");

    // used, pasted into the signed-in tab (only the fragment changes): the code is taken out of the
    // address bar, and the session goes on
    browser.driver().get(link);
    waitFor(
        "the code out of the address bar",
        () -> browser.driver().getCurrentUrl().contains(code) ? null : true);
    assertThat(pages.heading()).isEqualTo("Dashboard");
    // used, in a fresh page with no session: refused, with a message
    browser.driver().manage().deleteAllCookies();
    assertThat(pages.refusedLink(link)).contains("does not work");
    assertThat(browser.driver().getCurrentUrl()).doesNotContain(code);
    browser.screenshot("sign-in-link-used");

    assertThat(core.output().lines().filter(printed -> printed.contains(code)))
        .as("lines of the core process with the code")
        .containsExactly(line);
  }

  @Test
  @Order(3)
  void theDashboardUpdatesLiveFromTheHub() throws Exception {
    pages.signIn(ADMIN);
    pages.awaitConnected();
    pages.script("window.e2eMarker = 'no reload'");

    // host samples arrive over the hub only: the card's figure and sparkline move on their own
    assertThat(pages.awaitLiveCpu().drawnPixels()).isPositive();

    // a state change made elsewhere (the API) shows without a reload
    pages.awaitState(TICKER, state -> state.startsWith("stopped"), "listed as stopped");
    assertThat(api("POST", "/api/v1/services/" + TICKER + "/start", null).statusCode())
        .isEqualTo(200);
    pages.awaitState(TICKER, state -> state.startsWith("running"), "shown running");
    browser.screenshot("dashboard");
    assertThat(api("POST", "/api/v1/services/" + TICKER + "/stop", null).statusCode())
        .isEqualTo(200);
    pages.awaitState(TICKER, state -> state.startsWith("stopped"), "shown stopped again");
    assertThat(pages.script("return window.e2eMarker")).isEqualTo("no reload");
  }

  // ---------------------------------------------------------------- services and their logs

  @Test
  @Order(4)
  void anAdminStartsAndStopsAServiceAndSeesItsLogsArrive() throws Exception {
    pages.signIn(ADMIN);
    pages.go("Services");
    pages.awaitState(TICKER, state -> state.startsWith("stopped"), "listed as stopped");
    pages.showLogs(TICKER);

    pages.press("start " + TICKER);
    pages.awaitState(TICKER, state -> state.startsWith("running"), "shown running");
    String lines =
        waitFor(
            "three lines of the new run in the live logs",
            () -> {
              String text = pages.logText();
              return text.contains("tick 3") ? text : null;
            });
    assertThat(lines).contains("tick 1").contains("tick 2");
    browser.screenshot("services");

    pages.press("stop " + TICKER);
    pages.awaitState(TICKER, state -> state.startsWith("stopped"), "shown stopped");
    assertThat(serviceState(TICKER)).isEqualTo("stopped");
  }

  @Test
  @Order(5)
  void theSystemPageChartsTheHost() {
    pages.signIn(ADMIN);
    pages.go("System");
    waitFor(
        "a drawn chart",
        () ->
            browser
                    .driver()
                    .findElements(org.openqa.selenium.By.cssSelector(".chart canvas"))
                    .size()
                > 0);
    browser.screenshot("system");
  }

  // ---------------------------------------------------------------- files

  @Test
  @Order(6)
  void anUploadedImageShowsItsProgressThenItsThumbnail() throws Exception {
    Path image = noiseImage(temp.resolve("e2e-noise.png"), 640, 480);
    pages.signIn(ADMIN);
    pages.go("Files");
    // every value the upload's progress bar takes, recorded by the page as it changes
    pages.script(
        "window.e2eProgress = [];"
            + "new MutationObserver(() => document.querySelectorAll('progress')"
            + ".forEach(p => window.e2eProgress.push(p.value)))"
            + ".observe(document.querySelector('main'),"
            + " {subtree: true, childList: true, attributes: true});");
    // a slow link, so that the bar has time to move: 256 kB/s up
    browser.cdp("Network.enable", Map.of());
    browser.cdp(
        "Network.emulateNetworkConditions",
        Map.of(
            "offline",
            false,
            "latency",
            20,
            "downloadThroughput",
            -1,
            "uploadThroughput",
            256 * 1024));
    pages.chooseFile(image);

    waitFor(
        "the upload done",
        Duration.ofSeconds(60),
        () -> pages.text(org.openqa.selenium.By.cssSelector("li.upload .detail")).endsWith("done"));
    browser.cdp("Network.disable", Map.of());
    @SuppressWarnings("unchecked")
    List<Number> progress = (List<Number>) pages.script("return window.e2eProgress");
    assertThat(progress.stream().map(Number::doubleValue))
        .as("values of the progress bar")
        .anyMatch(v -> v > 0 && v < 100)
        .contains(100.0);

    Long width =
        waitFor(
            "the thumbnail shown in the asset grid",
            Duration.ofSeconds(30),
            () ->
                (Long)
                    pages.script(
                        "const img = document.querySelector(\"img[alt='Thumbnail of e2e-noise.png']\");"
                            + "return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : null;"));
    assertThat(width).isPositive();
    browser.screenshot("files");
  }

  // ---------------------------------------------------------------- the other pages

  @Test
  @Order(7)
  void anAdminCreatesAServiceFromATemplateAndSeesTheApisFieldError() throws Exception {
    pages.signIn(ADMIN);
    pages.go("Services");
    pages.button("New service").click();
    pages.button("Static files").click();
    WebElement name = browser.driver().findElement(By.id("svc-name"));
    name.clear();
    name.sendKeys(FROM_TEMPLATE);
    WebElement port = browser.driver().findElement(By.id("svc-port"));
    port.clear();
    port.sendKeys("eighty");
    pages.button("Create").click();
    String error =
        waitFor(
            "the API's error under the Port field",
            () -> browser.driver().findElement(By.id("svc-port-error")).getText());
    assertThat(error).isNotBlank();
    browser.screenshot("service-form-error");

    port.clear();
    port.sendKeys("8000");
    pages.button("Create").click();
    pages.awaitState(FROM_TEMPLATE, state -> state.startsWith("stopped"), "listed as stopped");
    JsonObject created =
        new JsonObject(api("GET", "/api/v1/services/" + FROM_TEMPLATE, null).body());
    assertThat(created.getJsonArray("command").getString(0)).isEqualTo("python3");
    browser.screenshot("services-created-from-template");
    assertThat(api("DELETE", "/api/v1/services/" + FROM_TEMPLATE, null).statusCode())
        .isEqualTo(200);
  }

  @Test
  @Order(8)
  void everyOtherPageIsShownWithWhatItReads() throws Exception {
    pages.signIn(ADMIN);
    pages.go("Logs");
    browser.screenshot("logs");
    pages.go("Deployments");
    browser.screenshot("deployments");
    pages.go("Settings");
    // the controls of the earlier tests are in the audit log, with who did them
    String audit =
        waitFor(
            "the audit log with this run's start of " + TICKER,
            () -> {
              String text = pages.text(By.cssSelector("table.audit"));
              return text.contains("service.start") && text.contains(TICKER) ? text : null;
            });
    assertThat(audit).contains("admin");
    browser.screenshot("settings");
  }

  // ---------------------------------------------------------------- roles

  @Test
  @Order(9)
  void aViewerSeesNoControlsAndAForcedControlIsRefused() throws Exception {
    pages.signIn(VIEWER);
    pages.awaitState(TICKER, state -> state.startsWith("stopped"), "listed");
    assertThat(pages.controlButtons()).as("control buttons on the dashboard").isEmpty();
    browser.screenshot("dashboard-viewer");

    pages.go("Services");
    pages.awaitState(TICKER, state -> state.startsWith("stopped"), "listed");
    assertThat(pages.controlButtons()).as("control buttons on the Services page").isEmpty();

    pages.go("Files");
    waitFor(
        "the asset grid",
        () ->
            !browser
                .driver()
                .findElements(org.openqa.selenium.By.cssSelector("li.asset"))
                .isEmpty());
    assertThat(pages.hasFileInput()).as("an upload input for a viewer").isFalse();
    assertThat(pages.controlButtons()).as("confirm or reject buttons").isEmpty();

    assertThat(pages.forcedControl(TICKER, "start")).isEqualTo(403);
    assertThat(serviceState(TICKER)).isEqualTo("stopped");
  }

  // ---------------------------------------------------------------- figures

  @Test
  @Order(10)
  void figureTheBuiltAppsSize() throws Exception {
    long js = 0;
    long css = 0;
    long jsRaw = 0;
    long cssRaw = 0;
    try (ZipFile jar = new ZipFile(SwitchboardProcess.jar().toFile())) {
      // what the page loads: the assets index.html names (webroot/ may hold older builds' too)
      String index;
      try (InputStream in = jar.getInputStream(jar.getEntry("webroot/index.html"))) {
        index = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Matcher assets = Pattern.compile("\"/(assets/[^\"]+\\.(js|css))\"").matcher(index);
      while (assets.find()) {
        ZipEntry entry = jar.getEntry("webroot/" + assets.group(1));
        assertThat(entry).as("webroot/%s named by index.html", assets.group(1)).isNotNull();
        byte[] bytes;
        try (InputStream in = jar.getInputStream(entry)) {
          bytes = in.readAllBytes();
        }
        if (assets.group(2).equals("js")) {
          js += gzipped(bytes);
          jsRaw += bytes.length;
        } else {
          css += gzipped(bytes);
          cssRaw += bytes.length;
        }
      }
    }
    assertThat(js).as("gzipped JS in webroot/assets of the jar").isPositive();
    assertThat(css).as("gzipped CSS in webroot/assets of the jar").isPositive();
    System.out.printf(
        "%n[measure] the built app (the assets index.html loads, from switchboard.jar), gzip"
            + " (level 6): JS %.1f KiB (%.1f KiB raw), CSS %.1f KiB (%.1f KiB raw)%n%n",
        js / 1024.0, jsRaw / 1024.0, css / 1024.0, cssRaw / 1024.0);
  }

  @Test
  @Order(11)
  void figureTheDashboardsCpuWithTwentyServices() throws Exception {
    List<String> names = new ArrayList<>();
    try {
      for (int i = 1; i <= 20; i++) {
        String name = String.format("idle-%02d", i);
        names.add(name);
        JsonObject definition =
            new JsonObject()
                .put("name", name)
                .put("command", new JsonArray().add("sleep").add("600"))
                .put("restart", "no");
        assertThat(api("POST", "/api/v1/services", definition).statusCode()).isEqualTo(201);
        assertThat(api("POST", "/api/v1/services/" + name + "/start", null).statusCode())
            .isEqualTo(200);
      }
      pages.signIn(ADMIN);
      pages.awaitConnected();
      for (String name : names) {
        pages.awaitState(name, state -> state.startsWith("running"), "shown running");
      }
      browser.cdp("Performance.enable", Map.of("timeDomain", "timeTicks"));
      Map<String, Double> before = browser.performanceMetrics();
      long started = System.nanoTime();
      Thread.sleep(CPU_SECONDS * 1000L);
      Map<String, Double> after = browser.performanceMetrics();
      double wall = (System.nanoTime() - started) / 1e9;
      double task = after.get("TaskDuration") - before.get("TaskDuration");
      double script = after.get("ScriptDuration") - before.get("ScriptDuration");
      double layout =
          after.get("LayoutDuration")
              - before.get("LayoutDuration")
              + after.get("RecalcStyleDuration")
              - before.get("RecalcStyleDuration");
      assertThat(task).as("the renderer's main-thread time").isPositive();
      browser.screenshot("dashboard-20-services");
      System.out.printf(
          "%n[measure] dashboard with 21 services (20 running) and 1 stats sample/s, %.0f s in"
              + " headless Chromium: main thread busy %.2f %% (TaskDuration %.0f ms: script %.0f"
              + " ms, style and layout %.0f ms)%n%n",
          wall, 100 * task / wall, task * 1000, script * 1000, layout * 1000);
    } finally {
      for (String name : names) {
        api("DELETE", "/api/v1/services/" + name, null);
      }
    }
  }

  // ---------------------------------------------------------------- a hub restart

  @Test
  @Order(12)
  void thePageSurvivesAHubRestartWithoutAReload() throws Exception {
    pages.signIn(ADMIN);
    pages.awaitConnected();
    pages.awaitState(TICKER, state -> state.startsWith("stopped"), "listed");
    pages.script("window.e2eMarker = 'no reload'");

    hub.close(); // SIGKILL
    waitFor("the connection shown lost", () -> pages.connection().startsWith("Connection lost"));
    waitFor("the states marked stale", () -> pages.stateOf(TICKER).orElse("").endsWith("(stale)"));
    assertThat(pages.monitor()).contains("not current");
    browser.screenshot("dashboard-hub-lost");

    hub = processes.start(hubBuilder);
    hub.awaitStdout("Ready in", START_TIMEOUT);
    waitFor(
        "the connection shown back",
        Duration.ofSeconds(45),
        () -> pages.connection().startsWith("Connected again"));
    assertThat(pages.script("return window.e2eMarker")).isEqualTo("no reload");

    // live again: a change made now shows, and nothing is marked stale
    assertThat(api("POST", "/api/v1/services/" + TICKER + "/start", null).statusCode())
        .isEqualTo(200);
    pages.awaitState(TICKER, state -> state.equals("running"), "shown running, not stale");
    Spark first = pages.spark("CPU");
    waitFor(
        "the CPU sparkline moving again",
        () -> !pages.spark("CPU").dataUrl().equals(first.dataUrl()));
    browser.screenshot("dashboard-hub-back");
    assertThat(api("POST", "/api/v1/services/" + TICKER + "/stop", null).statusCode())
        .isEqualTo(200);
  }

  // ---------------------------------------------------------------- helpers

  private HttpResponse<String> api(String method, String path, JsonObject body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + ADMIN.token());
    if (body != null) {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    System.out.println("[e2e] " + method + " " + path + " -> " + response.statusCode());
    return response;
  }

  private String serviceState(String name) throws Exception {
    HttpResponse<String> response = api("GET", "/api/v1/services/" + name, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getString("state");
  }

  /** A PNG of random pixels (it does not compress, so the upload takes a while). */
  private static Path noiseImage(Path file, int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(14);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(0x1000000));
      }
    }
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  private static long gzipped(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    }
    return out.size();
  }

  private static double num(Map<String, Object> map, String key) {
    return ((Number) map.get(key)).doubleValue();
  }
}
