package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An HTTP client of the gateway that checks every answer it is asked to against the operation's
 * responses in the OpenAPI contract (status, headers, body schema). Blocking; call it from the test
 * thread.
 */
final class ContractClient {

  private static final long REQUEST_TIMEOUT_MS = 60_000;

  private final WebClient client;
  private final String token;
  private final OpenAPIContract contract;
  private final ResponseValidator validator;

  private ContractClient(Vertx vertx, WebClient client, String token, OpenAPIContract contract) {
    this.client = client;
    this.token = token;
    this.contract = contract;
    this.validator = ResponseValidator.create(vertx, contract);
  }

  /** The viewer token of every gateway {@link #deployGateway} deploys. */
  private int port;

  /** The gateway's port, for clients other than this one. */
  int port() {
    return port;
  }

  static final String VIEWER_TOKEN = "test-viewer-token-0123456789";

  /**
   * Deploys a gateway on a free loopback port, for the services of {@code process}, with {@code
   * token} as the admin token and {@link #VIEWER_TOKEN}, and answers a client of it that sends the
   * admin token.
   */
  static ContractClient deployGateway(Vertx vertx, JsonObject process, String token)
      throws IOException {
    return deployGateway(vertx, process, token, new JsonObject());
  }

  /**
   * As {@link #deployGateway(Vertx, JsonObject, String)}, with {@code files} (where file-processor
   * is).
   */
  static ContractClient deployGateway(
      Vertx vertx, JsonObject process, String token, JsonObject files) throws IOException {
    return deployGateway(vertx, process, token, files, new JsonObject());
  }

  /** As {@link #deployGateway(Vertx, JsonObject, String, JsonObject)}, with {@code more} config. */
  static ContractClient deployGateway(
      Vertx vertx, JsonObject process, String token, JsonObject files, JsonObject more)
      throws IOException {
    GatewayVerticle gateway = new GatewayVerticle();
    vertx
        .deployVerticle(
            gateway,
            new DeploymentOptions()
                .setConfig(
                    new JsonObject()
                        .put("port", 0)
                        .put("bindHost", "127.0.0.1")
                        .put("process", process)
                        .put("files", files)
                        .put(
                            "auth",
                            new JsonObject()
                                .put("adminToken", token)
                                .put("viewerToken", VIEWER_TOKEN))
                        .mergeIn(more)))
        .await();
    return create(vertx, gateway.actualPort(), token);
  }

  static ContractClient create(Vertx vertx, int port, String token) throws IOException {
    WebClient client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    ContractClient api =
        new ContractClient(
            vertx, client, token, OpenAPIContract.from(vertx, validatableContract()).await());
    api.port = port;
    return api;
  }

  /** The contract as written in the sources, checkable as {@link Contract} loads it. */
  private static JsonObject validatableContract() throws IOException {
    return Contract.checkable(
        Contract.parse(Files.readString(Path.of("src/main/resources", Contract.PATH))));
  }

  /** An answer's type as the contract is checked ({@link Contract#checkableType}). */
  private static String validatableMediaType(String contentType) {
    return contentType == null ? null : Contract.checkableType(contentType);
  }

  /** Calls with the token and checks the answer's status, then the answer against the contract. */
  HttpResponse<Buffer> valid(HttpMethod method, String pathAndQuery, int expectedStatus) {
    return valid(method, pathAndQuery, null, Map.of(), expectedStatus);
  }

  /**
   * Like {@link #valid(HttpMethod, String, int)} with a body: a JsonObject, or any text as it is.
   */
  HttpResponse<Buffer> valid(
      HttpMethod method, String pathAndQuery, Object body, int expectedStatus) {
    return valid(method, pathAndQuery, body, Map.of(), expectedStatus);
  }

  HttpResponse<Buffer> valid(
      HttpMethod method,
      String pathAndQuery,
      Object body,
      Map<String, String> headers,
      int expectedStatus) {
    HttpResponse<Buffer> response = send(method, pathAndQuery, token, body, headers);
    assertThat(response.statusCode())
        .as(method + " " + pathAndQuery + ": " + response.bodyAsString())
        .isEqualTo(expectedStatus);
    validate(method, pathAndQuery, response);
    return response;
  }

  /** Checks an answer against the responses of the operation at {@code method pathAndQuery}. */
  void validate(HttpMethod method, String pathAndQuery, HttpResponse<Buffer> response) {
    String path = URI.create(pathAndQuery).getPath();
    Operation operation = contract.findOperation(path, method);
    assertThat(operation).as("the contract describes " + method + " " + path).isNotNull();
    String contentType = response.getHeader("Content-Type");
    ValidatableResponse validatable =
        contentType == null && (response.body() == null || response.body().length() == 0)
            // a 304, a HEAD: nothing to check but the status and headers
            ? ValidatableResponse.create(response.statusCode(), headers(response.headers()))
            : ValidatableResponse.create(
                response.statusCode(),
                headers(response.headers()),
                response.body() == null ? Buffer.buffer() : response.body(),
                validatableMediaType(contentType));
    validator.validate(validatable, operation.getOperationId()).await();
  }

  /**
   * Checks a JSON value against a schema of the contract's components (such as each line of an
   * NDJSON answer).
   */
  OutputUnit check(String schema, Object value) {
    JsonObject raw =
        contract
            .getRawContract()
            .getJsonObject("components")
            .getJsonObject("schemas")
            .getJsonObject(schema);
    return Validator.create(
            JsonSchema.of(raw),
            new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("app:///"))
        .validate(value);
  }

  HttpResponse<Buffer> call(HttpMethod method, String pathAndQuery, String token) {
    return send(method, pathAndQuery, token, null, Map.of());
  }

  HttpResponse<Buffer> send(
      HttpMethod method,
      String pathAndQuery,
      String token,
      Object body,
      Map<String, String> headers) {
    // an answer that never comes fails the test rather than hanging the build
    HttpRequest<Buffer> request = client.request(method, pathAndQuery).timeout(REQUEST_TIMEOUT_MS);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    headers.forEach(request::putHeader);
    if (body == null) {
      return request.send().await();
    }
    if (body instanceof JsonObject json) {
      return request.sendJsonObject(json).await();
    }
    return request
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body.toString()))
        .await();
  }

  HttpRequest<Buffer> request(HttpMethod method, String pathAndQuery) {
    return client.request(method, pathAndQuery);
  }

  private static Map<String, String> headers(MultiMap headers) {
    Map<String, String> map = new HashMap<>();
    headers.forEach(entry -> map.put(entry.getKey(), entry.getValue()));
    return map;
  }
}
