package dev.switchboard.common.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The deployment variables of the systems Switchboard replaces (seed 001's {@code PORT}, {@code
 * WS_PORT} and {@code WS_SERVER_URL}), so that an environment written for them starts Switchboard
 * where its users expect it. {@code PORT} stands for {@link Setting#GATEWAY_PORT} (the seed's
 * backend API, 3006) and {@code WS_PORT} for {@link Setting#HUB_PORT} (its WebSocket server, 3007),
 * each only while the Switchboard name itself is not set. {@code WS_SERVER_URL} told the seed's
 * backend where to emit; Switchboard's gateway reaches the hub over the event bus, so it has no
 * such setting, and only the jobs that emit keep using it. {@link #hints} says, one line each, what
 * became of every seed variable set.
 */
public final class SeedVariables {

  /** A seed variable read as a Switchboard setting, with what the seed used it for. */
  private record Alias(String seedName, Setting setting, String seedMeaning) {}

  private static final List<Alias> ALIASES =
      List.of(
          new Alias("PORT", Setting.GATEWAY_PORT, "the seed's backend API port"),
          new Alias("WS_PORT", Setting.HUB_PORT, "the seed's WebSocket server port"));

  static final String WS_SERVER_URL = "WS_SERVER_URL";

  private SeedVariables() {}

  /**
   * {@code env} with the value of each seed variable under the Switchboard name it stands for,
   * where that name is not set itself.
   */
  static Map<String, String> aliased(Map<String, String> env) {
    Map<String, String> aliased = new HashMap<>(env);
    for (Alias alias : ALIASES) {
      if (set(env, alias.seedName()) && !set(env, alias.setting().envName())) {
        aliased.put(alias.setting().envName(), env.get(alias.seedName()));
      }
    }
    return aliased;
  }

  /** One line for each seed variable set in {@code env}: read as which setting, or ignored. */
  public static List<String> hints(Map<String, String> env) {
    List<String> hints = new ArrayList<>();
    for (Alias alias : ALIASES) {
      if (!set(env, alias.seedName())) {
        continue;
      }
      String name = alias.setting().envName();
      hints.add(
          set(env, name)
              ? alias.seedName() + " is ignored: " + name + " is set and wins"
              : alias.seedName()
                  + "="
                  + env.get(alias.seedName()).trim()
                  + " is read as "
                  + name
                  + " ("
                  + alias.seedMeaning()
                  + "); set "
                  + name
                  + " instead to silence this");
    }
    if (set(env, WS_SERVER_URL)) {
      hints.add(
          WS_SERVER_URL
              + " is ignored: the gateway reaches the hub over the event bus; jobs that emit keep"
              + " it, pointing at the hub's HUB_PORT, with the emit token (docs/migrating.md)");
    }
    return hints;
  }

  private static boolean set(Map<String, String> env, String name) {
    String value = env.get(name);
    return value != null && !value.isBlank();
  }
}
