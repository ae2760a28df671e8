package dev.switchboard.supervisor;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A child process for the tests that behaves like llama.cpp's server: {@code GET /health} answers
 * 503 {@code {"status":"loading model"}} for the first {@code loadMillis}, then 200. Prints a line
 * per request. Run as {@code java -cp <test classes> dev.switchboard.supervisor.FakeLlamaServer
 * <port> [loadMillis]}.
 */
public final class FakeLlamaServer {

  private FakeLlamaServer() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    long loadMillis = args.length > 1 ? Long.parseLong(args[1]) : 0;
    long started = System.currentTimeMillis();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
    server.createContext(
        "/health",
        exchange -> {
          boolean loading = System.currentTimeMillis() - started < loadMillis;
          byte[] body =
              (loading ? "{\"status\":\"loading model\"}" : "{\"status\":\"ok\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(loading ? 503 : 200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
          System.out.println("GET /health " + (loading ? 503 : 200));
        });
    server.start();
    System.out.println("listening on 127.0.0.1:" + port);
    System.err.println("a line on stderr");
  }
}
