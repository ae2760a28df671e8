package dev.switchboard.app;

import dev.switchboard.common.testing.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A headless Chromium driven by Selenium: Debian's {@code /usr/bin/chromium} and {@code
 * /usr/bin/chromedriver}, both given by path so that Selenium Manager never looks for (or
 * downloads) a driver, with the flags that keep Chromium off the network (no background networking,
 * updates, sync or QUIC: on a closed network its connections to Google hang) and a profile of its
 * own, deleted on {@link #close()}.
 */
final class Browser implements AutoCloseable {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** Where every screenshot goes: app/target/e2e-screenshots. */
  static final Path SCREENSHOTS = Path.of("target", "e2e-screenshots");

  private final Path profile;
  private final ChromeDriverService service;
  private final ChromeDriver driver;

  Browser() {
    this(List.of());
  }

  /** With Chromium arguments of the test's own ({@code --ignore-certificate-errors}, say). */
  Browser(List<String> moreArguments) {
    try {
      profile = Files.createTempDirectory("switchboard-e2e-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(profile.resolve("chromedriver.log").toFile())
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--user-data-dir=" + profile);
    options.addArguments(moreArguments);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    // every change of the connection badge goes to the console, which printConsole() shows
    cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        Map.of(
            "source",
            "new MutationObserver(() => {"
                + " const c = document.querySelector('header .connection');"
                + " if (c && c.textContent !== window.e2eConnection) {"
                + " window.e2eConnection = c.textContent; console.info('connection: ' + c.textContent); } })"
                + ".observe(document, {subtree: true, childList: true, characterData: true});"));
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  /** Whether Debian's chromium and chromium-driver are installed (.ci/run installs them). */
  static boolean installed() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Runs a Chrome DevTools Protocol command through chromedriver. */
  Map<String, Object> cdp(String command, Map<String, Object> params) {
    return driver.executeCdpCommand(command, new HashMap<>(params));
  }

  /** Chromium's Performance.getMetrics as name to value (Performance.enable must have run). */
  @SuppressWarnings("unchecked")
  Map<String, Double> performanceMetrics() {
    Map<String, Double> metrics = new HashMap<>();
    List<Map<String, Object>> list =
        (List<Map<String, Object>>) cdp("Performance.getMetrics", Map.of()).get("metrics");
    for (Map<String, Object> metric : list) {
      metrics.put((String) metric.get("name"), ((Number) metric.get("value")).doubleValue());
    }
    return metrics;
  }

  /** Prints what the page wrote to its console (and its errors) to the test's output. */
  void printConsole() {
    driver
        .manage()
        .logs()
        .get(LogType.BROWSER)
        .forEach(entry -> System.out.println("[chromium] " + entry));
  }

  /** Saves a PNG of the viewport as target/e2e-screenshots/{name}.png; returns its path. */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      // BYTES: FILE is a screenshot*.png in /tmp, deleted only when the JVM exits
      return Files.write(
          SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      try {
        TempDirs.delete(profile);
      } catch (UncheckedIOException e) {
        // a profile left in /tmp is untidy, not a failure
        System.out.println("[browser] " + e.getMessage() + ": " + e.getCause());
      }
    }
  }
}
