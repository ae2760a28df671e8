package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/install.sh}: {@code shellcheck} clean, its {@code --dry-run} changing nothing, and
 * run for real under {@code --root} (a prefix: no packages, user, database or systemctl) twice, the
 * files it wrote checked by the programs that read them ({@code systemd-analyze verify}, {@code
 * nginx -t}) and the second run changing nothing; environment files written once and never
 * overwritten.
 */
class InstallScriptTest {

  static final Path SCRIPT = Path.of("../deploy/install.sh").toAbsolutePath().normalize();

  @TempDir Path temp;

  @Test
  void shellcheckFindsNothing() {
    Tools.require(Tools.SHELLCHECK, "shellcheck");
    Tools.Result result =
        Tools.run(List.of(Tools.SHELLCHECK.toString(), SCRIPT.toString()), null, null);
    assertThat(result.output()).as("shellcheck deploy/install.sh").isEmpty();
    assertThat(result.exit()).as("shellcheck deploy/install.sh").isZero();
  }

  @Test
  void aDryRunPrintsEverythingAndChangesNothing() throws IOException {
    Path root = temp.resolve("root");
    Tools.Result run =
        install(
            "--domain",
            "sb.test",
            "--jar",
            jar().toString(),
            "--root",
            root.toString(),
            "--database",
            "local",
            "--split",
            "--dry-run");
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(root).as("a dry run creates nothing").doesNotExist();
    assertThat(run.output())
        .contains(
            "[would-change] file /etc/switchboard/cluster.env (mode 0600, owner root:root)",
            "[would-change] file /etc/systemd/system/switchboard-gateway.service",
            "[would-change] file /etc/nginx/sites-available/switchboard",
            "    |     server_name sb.test;",
            "    | ALLOWED_HOSTS=sb.test",
            // secrets are not printed
            "    | ADMIN_TOKEN=<secret>",
            "    | DATABASE_URL=postgresql://switchboard:<secret>@127.0.0.1:5432/switchboard",
            "+ apt-get install -y nginx ufw unzip ca-certificates openjdk-17-jre-headless postgresql",
            "+ runuser -u postgres -- createdb --owner switchboard switchboard",
            "+ ufw default deny incoming",
            "+ ufw allow 22/tcp",
            "+ ufw allow 80/tcp",
            "+ ufw allow 443/tcp",
            "+ systemctl enable --now switchboard-system-stats switchboard-gateway"
                + " switchboard-ws-hub switchboard-supervisor switchboard-file-processor",
            "(dry run: nothing was changed)")
        .doesNotContain("[changed]", "ufw allow 3006", "ufw allow 3007");
  }

  @Test
  void oneJvmInstalledTwiceChangesNothingTheSecondTime() throws IOException {
    Path root = temp.resolve("root");
    Path jar = jar();
    Tools.Result first =
        install("--domain", "sb.test", "--jar", jar.toString(), "--root", root.toString());
    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.output())
        .contains(
            "[changed]     file /opt/switchboard/switchboard.jar",
            "[changed]     directory /opt/switchboard/webroot",
            "[changed]     file /etc/switchboard/switchboard.env (mode 0600",
            "[changed]     file /etc/systemd/system/switchboard.service",
            "[changed]     file /etc/nginx/sites-available/switchboard",
            "+ systemctl enable --now switchboard (skipped under --root)",
            "Done: 7 changed, 0 unchanged.");

    assertThat(root.resolve("opt/switchboard/switchboard.jar")).hasSameBinaryContentAs(jar);
    assertThat(root.resolve("opt/switchboard/jvm.options"))
        .hasSameTextualContentAs(Path.of("../jvm.options"));
    assertThat(root.resolve("opt/switchboard/webroot/index.html")).hasContent("<!doctype html>");
    assertThat(root.resolve("opt/switchboard/webroot/assets/app.js")).hasContent("app");
    Path env = root.resolve("etc/switchboard/switchboard.env");
    assertThat(mode(env)).isEqualTo("rw-------");
    String envText = Files.readString(env);
    assertThat(envText)
        .contains("ALLOWED_HOSTS=sb.test\n", "CORS_ORIGINS=https://sb.test\n")
        .containsPattern("(?m)^ADMIN_TOKEN=[0-9a-f]{48}$")
        .containsPattern("(?m)^EMIT_TOKEN=[0-9a-f]{48}$")
        .doesNotContainPattern("(?m)^DATABASE_URL=");
    assertThat(Files.readSymbolicLink(root.resolve("etc/nginx/sites-enabled/switchboard")))
        .isEqualTo(Path.of("/etc/nginx/sites-available/switchboard"));
    verifyUnits(root, List.of("switchboard"));
    checkSite(root, "/etc/letsencrypt/live/sb.test/fullchain.pem");

    Map<String, FileTime> before = mtimes(root);
    Tools.Result second =
        install("--domain", "sb.test", "--jar", jar.toString(), "--root", root.toString());
    assertThat(second.exit()).as(second.output()).isZero();
    assertThat(second.output())
        .contains(
            "[unchanged]   file /opt/switchboard/switchboard.jar",
            "[unchanged]   directory /opt/switchboard/webroot",
            "[unchanged]   file /etc/switchboard/switchboard.env (exists: kept as it is",
            "[unchanged]   file /etc/systemd/system/switchboard.service",
            "[unchanged]   file /etc/nginx/sites-available/switchboard",
            "[unchanged]   link /etc/nginx/sites-enabled/switchboard",
            "Done: 0 changed, 7 unchanged.")
        .doesNotContain("[changed]");
    assertThat(mtimes(root)).as("nothing written the second time").isEqualTo(before);
    assertThat(Files.readString(env)).as("the secrets are generated once").isEqualTo(envText);
  }

  @Test
  void splitUnitsWithDebiansPostgresqlKeepAnEditedEnvironmentFile() throws IOException {
    Path root = temp.resolve("root");
    Path jar = jar();
    List<String> args =
        List.of(
            "--domain",
            "sb.test",
            "--jar",
            jar.toString(),
            "--root",
            root.toString(),
            "--database",
            "local",
            "--split",
            "--cert",
            "/etc/ssl/sb/fullchain.pem",
            "--key",
            "/etc/ssl/sb/privkey.pem");
    Tools.Result first = install(args.toArray(String[]::new));
    assertThat(first.exit()).as(first.output()).isZero();
    List<String> units =
        List.of(
            "switchboard-system-stats",
            "switchboard-gateway",
            "switchboard-ws-hub",
            "switchboard-supervisor",
            "switchboard-file-processor",
            "switchboard-mcp-host");
    verifyUnits(root, units);
    assertThat(root.resolve("etc/systemd/system/switchboard.service")).doesNotExist();
    Path cluster = root.resolve("etc/switchboard/cluster.env");
    assertThat(Files.readString(cluster))
        .containsPattern(
            "(?m)^DATABASE_URL=postgresql://switchboard:[0-9a-f]{48}@127\\.0\\.0\\.1:5432/switchboard$")
        .containsPattern("(?m)^ADMIN_TOKEN=[0-9a-f]{48}$")
        .doesNotContain("change-me");
    for (String unit : units) {
      Path env = root.resolve("etc/switchboard/" + unit + ".env");
      assertThat(mode(env)).as(unit).isEqualTo("rw-------");
      assertThat(env)
          .hasSameTextualContentAs(SCRIPT.getParent().resolve("systemd/" + unit + ".env.example"));
    }
    assertThat(mode(cluster)).isEqualTo("rw-------");
    checkSite(root, "/etc/ssl/sb/fullchain.pem");
    assertThat(first.output()).contains("+ runuser -u postgres -- createdb --owner switchboard");

    // edited by hand (and its mode loosened): the content is kept, the mode put back
    String edited = Files.readString(cluster) + "HUB_MAX_CONNECTIONS=500\n";
    Files.writeString(cluster, edited);
    Files.setPosixFilePermissions(cluster, PosixFilePermissions.fromString("rw-r--r--"));
    Tools.Result second = install(args.toArray(String[]::new));
    assertThat(second.exit()).as(second.output()).isZero();
    assertThat(second.output())
        .contains(
            "[changed]     mode of /etc/switchboard/cluster.env to 0600 (kept its content)",
            "Done: 1 changed, 18 unchanged.");
    assertThat(Files.readString(cluster)).isEqualTo(edited);
    assertThat(mode(cluster)).isEqualTo("rw-------");

    Map<String, FileTime> before = mtimes(root);
    Tools.Result third = install(args.toArray(String[]::new));
    assertThat(third.output())
        .contains("Done: 0 changed, 19 unchanged.")
        .doesNotContain("[changed]");
    assertThat(mtimes(root)).isEqualTo(before);
    assertThat(Files.readString(cluster)).isEqualTo(edited);
  }

  @Test
  void badOptionsAreRefused() throws IOException {
    Tools.Result noDomain = install("--root", temp.resolve("r").toString());
    assertThat(noDomain.exit()).isEqualTo(2);
    assertThat(noDomain.output()).contains("--domain is required");
    Tools.Result split =
        install("--domain", "sb.test", "--split", "--root", temp.resolve("r").toString());
    assertThat(split.exit()).isEqualTo(2);
    assertThat(split.output()).contains("--split needs --database local");
    Tools.Result badName =
        install("--domain", "sb.test;rm", "--root", temp.resolve("r").toString());
    assertThat(badName.exit()).isEqualTo(2);
    assertThat(badName.output()).contains("not a host name");
    Tools.Result noJar =
        install(
            "--domain",
            "sb.test",
            "--jar",
            temp.resolve("missing.jar").toString(),
            "--root",
            temp.resolve("r").toString());
    assertThat(noJar.exit()).isEqualTo(2);
    assertThat(noJar.output()).contains("no jar at");
  }

  private Tools.Result install(String... args) {
    Tools.require(Tools.UNZIP, "unzip");
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    return Tools.run(command, temp, null);
  }

  /** A stand-in for the jar: what the script reads of it is its webroot/. */
  private Path jar() throws IOException {
    Path jar = temp.resolve("switchboard.jar");
    if (Files.exists(jar)) {
      return jar;
    }
    try (OutputStream out = Files.newOutputStream(jar);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (var e :
          Map.of(
                  "webroot/index.html", "<!doctype html>",
                  "webroot/assets/app.js", "app",
                  "dev/switchboard/Main.class", "not really")
              .entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return jar;
  }

  private void verifyUnits(Path root, List<String> units) throws IOException {
    Tools.require(Tools.SYSTEMD_ANALYZE, "systemd");
    Path java = temp.resolve("bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path copies = Files.createDirectories(temp.resolve("units-" + root.getFileName()));
    for (String unit : units) {
      Path installed = root.resolve("etc/systemd/system/" + unit + ".service");
      assertThat(mode(installed)).isEqualTo("rw-r--r--");
      assertThat(installed)
          .hasSameTextualContentAs(SCRIPT.getParent().resolve("systemd/" + unit + ".service"));
      Path copy = copies.resolve(unit + ".service");
      Files.writeString(
          copy,
          Files.readString(installed)
              .replace("ExecStart=/usr/bin/java ", "ExecStart=" + java + " "));
      Tools.Result result =
          Tools.run(
              List.of(Tools.SYSTEMD_ANALYZE.toString(), "verify", copy.toString()), copies, null);
      assertThat(result.output()).as("systemd-analyze verify %s", unit).isEmpty();
      assertThat(result.exit()).as("systemd-analyze verify %s", unit).isZero();
    }
  }

  private void checkSite(Path root, String certificate) throws IOException {
    Path site = root.resolve("etc/nginx/sites-available/switchboard");
    assertThat(Files.readString(site))
        .contains("server_name sb.test;", "ssl_certificate     " + certificate + ";")
        .doesNotContain("example.com");
    NginxSite nginx =
        NginxSite.configure(
            temp,
            "nginx-" + root.getFileName(),
            new NginxSite.Options(
                8080, 8443, 3006, 3007, root.resolve("opt/switchboard/webroot"), true),
            site,
            certificate,
            certificate.replace("fullchain.pem", "privkey.pem"));
    Tools.Result result = nginx.check();
    assertThat(result.output()).as("nginx -t").contains("test is successful");
    assertThat(result.exit()).as("nginx -t: %s", result.output()).isZero();
    assertThat(result.output()).as("nginx -t warns of nothing").doesNotContain("[warn]");
  }

  private static String mode(Path file) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  /** Every file, directory and link under root with its modification time. */
  private static Map<String, FileTime> mtimes(Path root) throws IOException {
    Map<String, FileTime> times = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        times.put(
            root.relativize(p).toString(), Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
      }
    }
    return times;
  }
}
