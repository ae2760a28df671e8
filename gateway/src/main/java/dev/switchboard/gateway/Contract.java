package dev.switchboard.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The API's OpenAPI document ({@code openapi/switchboard.yaml} on the classpath), loaded as
 * vertx-openapi checks requests and answers against it. The gateway mounts its routes from it
 * ({@link Operations}), the tests check every answer against it, and the web app's types are
 * generated from the same file.
 *
 * <p>vertx-openapi 5.0 refuses a document with media types outside a fixed set, so the loaded copy
 * names each other type by the one it is checked as ({@link #checkableType}): problem+json as the
 * JSON it is, YAML and NDJSON as text, anything else (tus's {@code
 * application/offset+octet-stream}, an asset's own bytes) as bytes. The served document is the file
 * as written.
 */
public final class Contract {

  /** The document's path on the classpath (and under {@code src/main/resources}). */
  public static final String PATH = "openapi/switchboard.yaml";

  private Contract() {}

  /** Reads and resolves the document. */
  public static Future<OpenAPIContract> load(Vertx vertx) {
    return vertx
        .fileSystem()
        .readFile(PATH)
        .compose(yaml -> OpenAPIContract.from(vertx, checkable(parse(yaml.toString()))));
  }

  /** The YAML document as a JSON tree (YAML's dates and numbers as JSON's). */
  static JsonObject parse(String yaml) {
    Map<String, Object> tree = new Yaml(new LoaderOptions()).load(yaml);
    return new JsonObject(tree);
  }

  /**
   * The document with the media type of every request body and response renamed to the one it is
   * checked as.
   */
  static JsonObject checkable(JsonObject document) {
    eachObject(
        document.getJsonObject("paths"),
        pathItem ->
            eachObject(
                pathItem,
                operation -> {
                  renameContent(operation.getJsonObject("requestBody"));
                  eachObject(operation.getJsonObject("responses"), Contract::renameContent);
                }));
    JsonObject components = document.getJsonObject("components", new JsonObject());
    eachObject(components.getJsonObject("responses"), Contract::renameContent);
    eachObject(components.getJsonObject("requestBodies"), Contract::renameContent);
    return document;
  }

  /** Each member of {@code object} that is an object itself (iteration wraps nested maps). */
  private static void eachObject(JsonObject object, Consumer<JsonObject> action) {
    if (object != null) {
      object.forEach(
          member -> {
            if (member.getValue() instanceof JsonObject value) {
              action.accept(value);
            }
          });
    }
  }

  /** Renames the keys of a request body's or response's {@code content}. */
  private static void renameContent(JsonObject bodyOrResponse) {
    if (bodyOrResponse != null
        && bodyOrResponse.getValue("content") instanceof JsonObject content) {
      JsonObject renamed = new JsonObject();
      content.forEach(entry -> renamed.put(checkableType(entry.getKey()), entry.getValue()));
      bodyOrResponse.put("content", renamed);
    }
  }

  /**
   * The media type a body of {@code contentType} is checked as: itself when vertx-openapi knows it,
   * any {@code +json} as JSON, YAML, NDJSON and other text as text, and anything else as bytes.
   */
  public static String checkableType(String contentType) {
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (MediaType.isMediaTypeSupported(type)) {
      return type;
    }
    if (type.endsWith("+json") || type.endsWith("/json")) {
      return MediaType.APPLICATION_JSON;
    }
    if (type.startsWith("text/") || type.endsWith("yaml") || type.endsWith("ndjson")) {
      return MediaType.TEXT_PLAIN;
    }
    return MediaType.APPLICATION_OCTET_STREAM;
  }
}
