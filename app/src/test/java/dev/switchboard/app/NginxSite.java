package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The repository's {@code nginx/switchboard.conf} run by the real nginx in a directory of its own:
 * the site file with its deployment values (listen ports, certificate, upstream ports, web root,
 * optionally the internal networks) replaced, each replacement required to match exactly once so
 * that the test follows the file; a main {@code nginx.conf} around it the way Debian's includes a
 * site; a self-signed certificate for 127.0.0.1 made with openssl.
 */
final class NginxSite implements AutoCloseable {

  static final Path SITE = Path.of("../nginx/switchboard.conf").toAbsolutePath().normalize();

  /**
   * Where the site talks to and listens on; {@code hubPorts} are the hubs of the site's upstream
   * (balanced round-robin, as the site ships); {@code loopbackInternal} false drops 127.0.0.1/::1.
   */
  record Options(
      int httpPort,
      int httpsPort,
      int gatewayPort,
      List<Integer> hubPorts,
      Path webRoot,
      boolean loopbackInternal) {

    Options {
      hubPorts = List.copyOf(hubPorts);
      if (hubPorts.isEmpty()) {
        throw new IllegalArgumentException("at least one hub");
      }
    }

    /** One hub. */
    Options(
        int httpPort,
        int httpsPort,
        int gatewayPort,
        int hubPort,
        Path webRoot,
        boolean loopbackInternal) {
      this(httpPort, httpsPort, gatewayPort, List.of(hubPort), webRoot, loopbackInternal);
    }
  }

  final Path dir;
  final Path certificate;
  final Options options;
  private Process process;

  private NginxSite(Path dir, Options options) {
    this.dir = dir;
    this.certificate = dir.resolve("cert.pem");
    this.options = options;
  }

  /** Writes the configuration into a new directory under {@code parent}. */
  static NginxSite configure(Path parent, String name, Options options) throws IOException {
    return configure(
        parent,
        name,
        options,
        SITE,
        "/etc/letsencrypt/live/switchboard.example.com/fullchain.pem",
        "/etc/letsencrypt/live/switchboard.example.com/privkey.pem");
  }

  /**
   * The same for another copy of the site ({@code deploy/install.sh}'s), whose certificate and key
   * paths are {@code certificatePath} and {@code keyPath}.
   */
  static NginxSite configure(
      Path parent,
      String name,
      Options options,
      Path source,
      String certificatePath,
      String keyPath)
      throws IOException {
    Tools.require(Tools.NGINX, "nginx");
    Tools.require(Tools.OPENSSL, "openssl");
    Path dir = parent.resolve(name);
    Files.createDirectories(dir);
    // nginx's workers run as nobody: they must reach the web root and the temp paths
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    NginxSite site = new NginxSite(dir, options);
    Tools.Result cert =
        Tools.run(
            List.of(
                Tools.OPENSSL.toString(),
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                dir.resolve("key.pem").toString(),
                "-out",
                site.certificate.toString()),
            dir,
            null);
    assertThat(cert.exit()).as("openssl req: %s", cert.output()).isZero();
    Files.writeString(
        dir.resolve("switchboard.conf"), site.renderSite(source, certificatePath, keyPath));
    Files.writeString(
        dir.resolve("nginx.conf"),
        String.join(
            "\n",
            "worker_processes 1;",
            "pid " + dir.resolve("nginx.pid") + ";",
            "error_log " + dir.resolve("error.log") + " warn;",
            "events { worker_connections 512; }",
            "http {",
            "  include /etc/nginx/mime.types;",
            "  default_type application/octet-stream;",
            "  access_log " + dir.resolve("access.log") + ";",
            "  client_body_temp_path " + dir.resolve("client_body") + ";",
            "  proxy_temp_path " + dir.resolve("proxy") + ";",
            "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
            "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
            "  scgi_temp_path " + dir.resolve("scgi") + ";",
            "  include " + dir.resolve("switchboard.conf") + ";",
            "}",
            ""));
    return site;
  }

  private String renderSite(Path source, String certificatePath, String keyPath)
      throws IOException {
    Map<String, String> replace = new LinkedHashMap<>();
    replace.put("    listen 80;\n", "    listen 127.0.0.1:" + options.httpPort() + ";\n");
    replace.put("    listen [::]:80;\n", "");
    replace.put(
        "    listen 443 ssl http2;\n",
        "    listen 127.0.0.1:" + options.httpsPort() + " ssl http2;\n");
    replace.put("    listen [::]:443 ssl http2;\n", "");
    replace.put(certificatePath, certificate.toString());
    replace.put(keyPath, dir.resolve("key.pem").toString());
    replace.put("server 127.0.0.1:3006;", "server 127.0.0.1:" + options.gatewayPort() + ";");
    replace.put(
        "server 127.0.0.1:3007;",
        String.join(
            "\n    ",
            options.hubPorts().stream().map(port -> "server 127.0.0.1:" + port + ";").toList()));
    replace.put("root /opt/switchboard/webroot;", "root " + options.webRoot() + ";");
    replace.put("root /var/www/html;", "root " + dir + ";");
    if (!options.loopbackInternal()) {
      replace.put("127.0.0.1/32   1;", "127.0.0.1/32   0;");
      replace.put("::1/128        1;", "::1/128        0;");
    }
    String text = Files.readString(source);
    for (Map.Entry<String, String> e : replace.entrySet()) {
      int first = text.indexOf(e.getKey());
      if (first < 0 || text.indexOf(e.getKey(), first + 1) >= 0) {
        fail(
            source
                + " should hold `"
                + e.getKey().strip()
                + "` exactly once (the test replaces it)");
      }
      text = text.replace(e.getKey(), e.getValue());
    }
    return text;
  }

  private List<String> command(String... more) {
    List<String> command = new ArrayList<>();
    command.add(Tools.NGINX.toString());
    command.add("-e");
    command.add(dir.resolve("error.log").toString());
    command.add("-p");
    command.add(dir.toString());
    command.add("-c");
    command.add(dir.resolve("nginx.conf").toString());
    command.addAll(List.of(more));
    return command;
  }

  /** {@code nginx -t}: the configuration's syntax and files. */
  Tools.Result check() {
    return Tools.run(command("-t"), dir, null);
  }

  /** Starts nginx in the foreground of a child process, and waits until both ports accept. */
  NginxSite start() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(command("-g", "daemon off;"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.out").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(accepts(options.httpPort()) && accepts(options.httpsPort()))) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        fail("nginx did not start: " + Files.readString(dir.resolve("nginx.out")) + errorLog());
      }
      Thread.sleep(50);
    }
    return this;
  }

  String errorLog() {
    try {
      Path log = dir.resolve("error.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A TLS context that trusts this site's certificate and nothing else. */
  SSLContext trust() throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream pem = Files.newInputStream(certificate)) {
      store.setCertificateEntry(
          "nginx", CertificateFactory.getInstance("X.509").generateCertificate(pem));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  String https() {
    return "https://127.0.0.1:" + options.httpsPort();
  }

  String http() {
    return "http://127.0.0.1:" + options.httpPort();
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroy(); // SIGTERM: nginx's fast shutdown
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
