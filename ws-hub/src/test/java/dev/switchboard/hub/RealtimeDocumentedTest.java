package dev.switchboard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/realtime.md} stays true to the namespace classes: each namespace's table lists
 * exactly the client events it declares (with the action each needs) and the events it sends, and
 * the error-code table lists exactly {@link AckError}.
 */
class RealtimeDocumentedTest {

  private static final String CLIENT_TO_HUB = "client → hub";
  private static final String HUB_TO_CLIENT = "hub → client";

  private Vertx vertx;
  private List<String> lines;

  @BeforeEach
  void read() throws IOException {
    vertx = Vertx.vertx();
    lines = Files.readAllLines(Path.of("../docs/realtime.md"));
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void everyNamespaceTableListsExactlyTheEventsItsClassDeclares() {
    List<HubNamespace> namespaces = HubNamespaces.create(vertx, new Streams(vertx));
    assertThat(namespaces.stream().map(HubNamespace::name))
        .as("registered in the order of NAMES")
        .isEqualTo(HubNamespaces.NAMES);
    for (HubNamespace namespace : namespaces) {
      List<List<String>> rows = table("### `" + namespace.name() + "`");
      Map<String, String> documentedClientEvents = new LinkedHashMap<>();
      rows.stream()
          .filter(row -> row.get(1).equals(CLIENT_TO_HUB))
          .forEach(row -> documentedClientEvents.put(unquote(row.get(0)), row.get(2)));
      List<String> documentedServerEvents =
          rows.stream()
              .filter(row -> row.get(1).equals(HUB_TO_CLIENT))
              .map(row -> unquote(row.get(0)))
              .toList();
      assertThat(rows)
          .as("%s: every row is one direction or the other", namespace.name())
          .hasSize(documentedClientEvents.size() + documentedServerEvents.size());

      Map<String, String> declaredClientEvents =
          namespace.clientEvents().stream()
              .collect(
                  Collectors.toMap(
                      ClientEvent::name,
                      event -> event.action().label(),
                      (a, b) -> a,
                      LinkedHashMap::new));
      assertThat(documentedClientEvents)
          .as("%s client events and what they need", namespace.name())
          .isEqualTo(declaredClientEvents);
      assertThat(documentedServerEvents)
          .as("%s server events", namespace.name())
          .containsExactlyInAnyOrderElementsOf(namespace.serverEvents());
    }
  }

  @Test
  void theErrorCodeTableListsExactlyTheCodesTheHubSends() {
    List<String> documented =
        table("### Error codes").stream().map(row -> unquote(row.get(0))).toList();
    assertThat(documented)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(AckError.values()).map(AckError::code).toList());
  }

  /** The body rows of the first table after {@code heading}, each as its trimmed cells. */
  private List<List<String>> table(String heading) {
    int at = lines.indexOf(heading);
    assertThat(at).as("docs/realtime.md has the heading %s", heading).isNotNegative();
    int first = at + 1;
    while (first < lines.size() && !lines.get(first).startsWith("|")) {
      assertThat(lines.get(first))
          .as("no other heading before the table of %s", heading)
          .doesNotStartWith("#");
      first++;
    }
    List<List<String>> rows = new ArrayList<>();
    // skip the header and its separator
    for (int i = first + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String line = lines.get(i);
      rows.add(
          Arrays.stream(line.substring(1, line.length() - 1).split("(?<!\\\\)\\|", -1))
              .map(String::trim)
              .toList());
    }
    return rows;
  }

  private static String unquote(String cell) {
    assertThat(cell).as("an event or code in backquotes").matches("`[^`]+`");
    return cell.substring(1, cell.length() - 1);
  }
}
