package dev.switchboard.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * At most {@code SUPERVISOR_SERVICES_MAX} managed services may be defined: a service's name is a
 * metric label, so the cap bounds its series. One more is refused with a 409 that names the
 * setting; a deleted one frees its place.
 */
class ServicesCapTest {

  private SupervisorFixture sup;

  @BeforeEach
  void start() throws IOException {
    sup = new SupervisorFixture(new JsonObject().put("servicesMax", 2));
  }

  @AfterEach
  void stop() {
    sup.close();
  }

  private static JsonObject definition(String name) {
    return new JsonObject().put("name", name).put("command", new JsonArray().add("true"));
  }

  @Test
  void oneServiceOverTheCapIsRefusedUntilOneIsDeleted() {
    sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, definition("one"));
    sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, definition("two"));

    ApiException over = sup.failure(Addresses.SUPERVISOR_SERVICES_CREATE, definition("three"));
    assertThat(over.status()).isEqualTo(409);
    assertThat(over.getMessage()).contains("at most 2").contains("SUPERVISOR_SERVICES_MAX");
    assertThat(
            sup.failure(Addresses.SUPERVISOR_SERVICES_GET, new JsonObject().put("name", "three"))
                .status())
        .as("nothing of the refused one was kept")
        .isEqualTo(404);

    sup.request(Addresses.SUPERVISOR_SERVICES_DELETE, new JsonObject().put("name", "one"));
    assertThat(
            sup.request(Addresses.SUPERVISOR_SERVICES_CREATE, definition("three"))
                .getString("name"))
        .isEqualTo("three");
  }
}
