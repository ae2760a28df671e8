package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.testing.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The browser app's pages as the end-to-end tests use them: what a user clicks and reads, found by
 * the labels and roles the app gives its controls (aria-label, headings), not by its CSS layout.
 *
 * <p>Signing in is in one place, {@link #signIn(Credential)}: it pastes the admin or viewer token
 * into the sign-in form, which exchanges it for a sign-in JWT (kept in memory by the app) and the
 * HttpOnly session cookie; {@link #forcedControl} sends the request a page would not make with the
 * cookie alone, as a script on the page can.
 */
final class WebPages {

  static final Duration WAIT = Duration.ofSeconds(20);

  /** Who signs in: a role and the secret the sign-in takes (today its bearer token). */
  record Credential(String role, String token) {}

  /** The labels of the control buttons a viewer must not see. */
  private static final List<String> CONTROL_PREFIXES =
      List.of("start ", "stop ", "restart ", "Confirm ", "Reject ");

  private final WebDriver driver;
  private final String base;

  WebPages(WebDriver driver, String base) {
    this.driver = driver;
    this.base = base;
  }

  // ---------------------------------------------------------------- sign-in (the one place)

  /**
   * Signs in from a fresh tab: opens the app, which shows the sign-in form, pastes the credential's
   * token and submits; returns when the app's navigation is shown.
   */
  void signIn(Credential credential) {
    driver.get(base + "/");
    WebElement token = waitFor("the sign-in form", () -> driver.findElement(By.id("token")));
    token.sendKeys(credential.token());
    token.sendKeys(Keys.ENTER);
    waitFor("the navigation after sign-in", () -> driver.findElement(By.cssSelector("nav a")));
    assertThat(text(By.cssSelector("header .role"))).isEqualTo(credential.role());
  }

  /**
   * Signs in from a fresh tab through a first-start link ({@code base/#code=...}): the app takes
   * the code out of the address bar, exchanges it and shows its navigation, for {@code role}.
   */
  void signInThroughLink(String link, String role) {
    driver.get(link);
    waitFor("the navigation after the link", () -> driver.findElement(By.cssSelector("nav a")));
    assertThat(text(By.cssSelector("header .role"))).isEqualTo(role);
  }

  /**
   * Opens a link whose code the gateway refuses, with no session, in a new document (from the app's
   * own page only the fragment would change), and returns the sign-in form's message about it.
   */
  String refusedLink(String link) {
    driver.get("about:blank");
    driver.get(link);
    waitFor("the sign-in form", () -> driver.findElement(By.id("token")));
    return waitFor(
            "the message about the link", () -> driver.findElement(By.cssSelector(".link-error")))
        .getText();
  }

  /**
   * A control request the page would not offer /** A control request the page would not offer, sent
   * from the signed-in page with nothing but what the browser adds by itself (the session cookie,
   * the page's Origin): {@code POST /api/v1/services/{name}/{action}}; returns the HTTP status.
   */
  long forcedControl(String service, String action) {
    Object status =
        ((JavascriptExecutor) driver)
            .executeAsyncScript(
                "const [url, done] = arguments;"
                    + "fetch(url, {method: 'POST', credentials: 'same-origin'})"
                    + ".then(r => done(r.status), e => done(String(e)));",
                "/api/v1/services/" + service + "/" + action);
    assertThat(status).as("the status of the forced request").isInstanceOf(Number.class);
    return ((Number) status).longValue();
  }

  // ---------------------------------------------------------------- navigation

  /** Opens a page by its link in the navigation (no reload) and waits for its heading. */
  void go(String title) {
    driver.findElement(By.linkText(title)).click();
    waitFor("the " + title + " page", () -> heading().equals(title) ? true : null);
  }

  String heading() {
    return text(By.cssSelector("main h1"));
  }

  /** The connection badge in the header: "Connected", "Connection lost ...; reconnecting"... */
  String connection() {
    return text(By.cssSelector("header .connection"));
  }

  /**
   * Waits for the hub connection to be up and to stay up for two seconds. Steady, not just once: a
   * polling session's websocket upgrade sometimes fails on the hub (a polling request answered 400
   * during the upgrade ends the session) and the client connects again at once, which the badge
   * shows as "Connected again".
   */
  void awaitConnected() {
    Eventually.within(Duration.ofSeconds(30))
        .during(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(100))
        .alias("the hub connected for two seconds in a row")
        .until(() -> connection().startsWith("Connected"));
  }

  /** The dashboard's connection monitor line ("Hub: ..."). */
  String monitor() {
    return text(By.cssSelector("p.monitor"));
  }

  // ---------------------------------------------------------------- dashboard

  /** The figure of a host card ("CPU", "Memory", "Disk", "GPU"). */
  String cardFigure(String card) {
    return text(By.cssSelector("article.card[aria-label='" + card + "'] .figure"));
  }

  /**
   * What the card's sparkline canvas shows: its pixels as a data URL, and how many of them are
   * drawn.
   */
  record Spark(String dataUrl, long drawnPixels) {}

  /**
   * Waits for a CPU figure on the dashboard and for the CPU sparkline to be redrawn with new
   * samples: host samples reach the page over the hub only, so the page is live. Answers the
   * redrawn sparkline.
   */
  Spark awaitLiveCpu() {
    waitFor("a CPU figure", () -> cardFigure("CPU").matches("\\d.*%"));
    Spark first = spark("CPU");
    return waitFor(
        "the CPU sparkline redrawn with new samples",
        () -> {
          Spark now = spark("CPU");
          return now.drawnPixels() > 0 && !now.dataUrl().equals(first.dataUrl()) ? now : null;
        });
  }

  Spark spark(String card) {
    @SuppressWarnings("unchecked")
    Map<String, Object> result =
        (Map<String, Object>)
            ((JavascriptExecutor) driver)
                .executeScript(
                    "const c = document.querySelector(\"article.card[aria-label='\" + arguments[0]"
                        + " + \"'] canvas\");"
                        + "if (!c) return null;"
                        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;"
                        + "return {url: c.toDataURL(), drawn: n};",
                    card);
    return result == null
        ? new Spark("", 0)
        : new Spark((String) result.get("url"), ((Number) result.get("drawn")).longValue());
  }

  /** A service's state badge on the dashboard or the Services page ("running", "stopped"...). */
  Optional<String> stateOf(String service) {
    List<WebElement> rows =
        driver.findElements(
            By.xpath(
                "//li[contains(@class,'service')][.//strong[normalize-space()='"
                    + service
                    + "']]//span[contains(@class,'badge')]"
                    + " | //tr[th[@scope='row'][normalize-space(text())='"
                    + service
                    + "']]//span[contains(@class,'badge')]"));
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0).getText().strip());
  }

  String awaitState(String service, Predicate<String> expected, String description) {
    return waitFor(
        service + " " + description, () -> stateOf(service).filter(expected).orElse(null));
  }

  /** The control buttons (start, stop, restart, confirm, reject) on the page now. */
  List<String> controlButtons() {
    return driver.findElements(By.cssSelector("button[aria-label]")).stream()
        .map(button -> button.getAttribute("aria-label"))
        .filter(label -> CONTROL_PREFIXES.stream().anyMatch(label::startsWith))
        .toList();
  }

  /** The button whose text is {@code text}, once it is there. */
  WebElement button(String text) {
    return waitFor(
        "a '" + text + "' button",
        () -> driver.findElement(By.xpath("//button[normalize-space()='" + text + "']")));
  }

  /** Clicks the button labelled e.g. "start ticker" once it is enabled. */
  void press(String label) {
    WebElement button =
        waitFor(
            "an enabled '" + label + "' button",
            () -> {
              WebElement found =
                  driver.findElement(By.cssSelector("button[aria-label='" + label + "']"));
              return found.isEnabled() ? found : null;
            });
    button.click();
  }

  // ---------------------------------------------------------------- services

  /** Opens the live logs of a service on the Services page. */
  void showLogs(String service) {
    driver
        .findElement(
            By.xpath(
                "//tr[th[@scope='row'][normalize-space(text())='"
                    + service
                    + "']]//button[normalize-space()='logs']"))
        .click();
    waitFor("the logs of " + service, () -> driver.findElement(By.cssSelector("pre.log-lines")));
  }

  String logText() {
    return text(By.cssSelector("pre.log-lines"));
  }

  // ---------------------------------------------------------------- files

  /** Gives the Files page's file input a file, as choosing it in the dialog does. */
  void chooseFile(Path file) {
    driver.findElement(By.id("file-input")).sendKeys(file.toAbsolutePath().toString());
  }

  boolean hasFileInput() {
    return !driver.findElements(By.id("file-input")).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  String text(By by) {
    return driver.findElement(by).getText().strip();
  }

  /**
   * Polls {@code probe} until it gives a value that is neither null nor false (an element missing
   * or gone stale meanwhile counts as not yet).
   */
  static <T> T waitFor(String description, Callable<T> probe) {
    return waitFor(description, WAIT, probe);
  }

  static <T> T waitFor(String description, Duration timeout, Callable<T> probe) {
    return Eventually.within(timeout)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsMatching(
            e -> e instanceof NoSuchElementException || e instanceof StaleElementReferenceException)
        .alias(description)
        .until(probe, value -> value != null && !Boolean.FALSE.equals(value));
  }
}
