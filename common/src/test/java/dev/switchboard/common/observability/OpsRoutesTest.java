package dev.switchboard.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.common.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class OpsRoutesTest {

  @Test
  void aPingAnsweredAfterItsCheckTimedOutIsDroppedQuietly(Vertx vertx) throws Exception {
    List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    vertx.exceptionHandler(unhandled::add);
    // a service whose ping answers late: after the check's timeout, before the ping's own
    vertx
        .eventBus()
        .consumer(
            Addresses.ping("slow"),
            message -> vertx.setTimer(300, id -> message.reply(new JsonObject())))
        .completion()
        .await();
    JsonObject process = new JsonObject().put("services", new JsonArray().add("slow"));

    CheckResult result =
        OpsRoutes.readiness(vertx, process, Duration.ofSeconds(2), Duration.ofMillis(100))
            .checkStatus()
            .await();
    // the late answer arrives meanwhile
    Thread.sleep(600);

    assertThat(result.getUp()).as("timed out, so not ready").isFalse();
    assertThat(unhandled).as("the late answer completed the check a second time").isEmpty();
  }
}
