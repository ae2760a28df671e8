package dev.switchboard.gateway;

import dev.switchboard.common.auth.Access;
import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.BearerAuth;
import dev.switchboard.common.http.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mounts the contract's operations on the router: a route's method and path are those of its
 * operation in {@link Contract}, so what the gateway serves and what the document describes cannot
 * drift apart, and every request is checked against its operation before the route's handlers run:
 * each parameter (path, query, header) with its schema, and a JSON body with the body's schema. A
 * request that does not match is a 400 problem naming the parameter or the field ({@code limit},
 * {@code command}, {@code health.tcp}); the services behind the gateway still check what only they
 * can (a name that is taken, a dependency that does not exist). A control operation's route is
 * marked for the audit log ({@link AuditTrail}) before its role check.
 */
final class Operations {

  /** How a JSON Schema error names the property it is about. */
  private static final Pattern PROPERTY = Pattern.compile("[Pp]roperty \"([^\"]+)\"");

  /** The keywords that fail when a subschema does: their errors say less than the subschema's. */
  private static final Set<String> APPLICATORS =
      Set.of(
          "properties",
          "patternProperties",
          "additionalProperties",
          "items",
          "prefixItems",
          "allOf",
          "anyOf",
          "oneOf",
          "$ref",
          "dependentSchemas");

  /** The keywords whose errors sit on the object and name a property that is missing. */
  private static final Set<String> NAMES_A_PROPERTY = Set.of("required", "dependentRequired");

  private static final ParameterTransformer QUERY_VALUES = new FormTransformer();
  private static final ParameterTransformer PATH_VALUES = new SimpleTransformer();

  private final Router router;
  private final OpenAPIContract contract;
  private final AuditTrail audit;

  /**
   * @param audit marks the routes of the control operations, whose requests go to the audit log
   */
  Operations(Router router, OpenAPIContract contract, AuditTrail audit) {
    this.router = router;
    this.contract = contract;
    this.audit = audit;
  }

  /**
   * The route of an operation without a JSON body (none, or one streamed on to another server as it
   * arrives, which no check reads), refused to a caller whose role may not do {@code action}, its
   * parameters checked.
   */
  Route route(String operationId, Action action) {
    Operation operation = operation(operationId);
    if (jsonSchema(operation) != null) {
      throw new IllegalStateException(
          operationId + " takes a JSON body: mount it with a body limit");
    }
    return mount(operation, action).handler(new Check(operation, null));
  }

  /**
   * The route of an operation with a JSON body, refused to a caller whose role may not do {@code
   * action} before the body is read; the body is read up to {@code bodyLimit} bytes (413 beyond),
   * then it and the parameters are checked.
   */
  Route route(String operationId, Action action, long bodyLimit) {
    Operation operation = operation(operationId);
    JsonSchema body = jsonSchema(operation);
    if (body == null) {
      throw new IllegalStateException(operationId + " takes no JSON body");
    }
    return mount(operation, action)
        .handler(BodyHandler.create(false).setBodyLimit(bodyLimit))
        .handler(new Check(operation, body));
  }

  /**
   * The route of an operation with a JSON body that takes no credential: the one way to sign in
   * with something other than a token, which the bearer check lets through ({@link
   * dev.switchboard.common.auth.BearerAuth.Exempt}, given as {@code exempt}; the two must name the
   * same method and path, or this throws). Its body is read up to {@code bodyLimit} bytes and
   * checked like any other.
   */
  Route exempt(String operationId, BearerAuth.Exempt exempt, long bodyLimit) {
    Operation operation = operation(operationId);
    JsonSchema body = jsonSchema(operation);
    if (body == null
        || !operation.getHttpMethod().equals(exempt.method())
        || !operation.getOpenAPIPath().equals(exempt.path())) {
      throw new IllegalStateException(
          operationId + " is not " + exempt + " with a JSON body: it cannot be exempt");
    }
    Route route = router.route(operation.getHttpMethod(), exempt.path());
    audit.marker(operationId).ifPresent(route::handler);
    return Access.exempt(route)
        .handler(BodyHandler.create(false).setBodyLimit(bodyLimit))
        .handler(new Check(operation, body));
  }

  private Operation operation(String operationId) {
    Operation operation = contract.operation(operationId);
    if (operation == null) {
      throw new IllegalArgumentException("the contract has no operation " + operationId);
    }
    return operation;
  }

  private Route mount(Operation operation, Action action) {
    Route route = router.route(operation.getHttpMethod(), routePath(operation.getOpenAPIPath()));
    // before the role check: a refused control is audited too
    audit.marker(operation.getOperationId()).ifPresent(route::handler);
    return Access.guard(route, action);
  }

  /** {@code /api/v1/services/{name}/start} as Vert.x Web writes it: {@code .../:name/start}. */
  static String routePath(String openApiPath) {
    return openApiPath.replaceAll("\\{([^}/]+)}", ":$1");
  }

  private static JsonSchema jsonSchema(Operation operation) {
    if (operation.getRequestBody() == null) {
      return null;
    }
    MediaType json = operation.getRequestBody().getContent().get(MediaType.APPLICATION_JSON);
    return json == null ? null : json.getSchema();
  }

  /** Checks one operation's requests; fails the request with the first thing that is wrong. */
  private final class Check implements io.vertx.core.Handler<RoutingContext> {

    private final Operation operation;
    private final List<Checked> parameters = new ArrayList<>();
    private final Validator body;

    private record Checked(Parameter parameter, Validator validator) {}

    Check(Operation operation, JsonSchema bodySchema) {
      this.operation = operation;
      for (Parameter parameter : operation.getParameters()) {
        parameters.add(new Checked(parameter, validator(parameter.getSchema())));
      }
      this.body = bodySchema == null ? null : validator(bodySchema);
    }

    private Validator validator(JsonSchema schema) {
      return contract
          .getSchemaRepository()
          .validator(
              schema,
              new JsonSchemaOptions()
                  .setDraft(Draft.DRAFT202012)
                  .setBaseUri(BASE)
                  .setOutputFormat(OutputFormat.Basic));
    }

    @Override
    public void handle(RoutingContext ctx) {
      for (Checked checked : parameters) {
        checkParameter(ctx, checked);
      }
      if (body != null) {
        checkBody(ctx);
      }
      ctx.next();
    }

    private void checkParameter(RoutingContext ctx, Checked checked) {
      Parameter parameter = checked.parameter();
      String name = parameter.getName();
      String raw =
          switch (parameter.getIn()) {
            case PATH -> ctx.pathParam(name);
            case QUERY -> ctx.queryParams().get(name);
            case HEADER -> ctx.request().getHeader(name);
            case COOKIE -> {
              var cookie = ctx.request().getCookie(name);
              yield cookie == null ? null : cookie.getValue();
            }
          };
      if (raw == null) {
        if (parameter.isRequired()) {
          throw ApiException.invalid(name, "is required");
        }
        return;
      }
      if (parameter.getIn() == Location.QUERY && ctx.queryParams().getAll(name).size() > 1) {
        throw ApiException.invalid(name, "must be given once");
      }
      Object value;
      try {
        ParameterTransformer values =
            parameter.getStyle() == Style.FORM ? QUERY_VALUES : PATH_VALUES;
        value = values.transform(parameter, raw);
      } catch (ValidatorException | DecodeException e) {
        throw ApiException.invalid(name, "must be " + expected(parameter));
      }
      OutputUnit result = checked.validator().validate(value);
      if (!result.getValid()) {
        throw ApiException.invalid(name, reason(result, parameter));
      }
    }

    private void checkBody(RoutingContext ctx) {
      Buffer buffer = ctx.body().buffer();
      if (buffer == null || buffer.length() == 0) {
        throw ApiException.invalid("body", "is required: " + describe(operation));
      }
      Object value;
      try {
        value = Json.decodeValue(buffer);
      } catch (DecodeException e) {
        throw ApiException.invalid("body", "is not valid JSON");
      }
      OutputUnit result = body.validate(value);
      if (!result.getValid()) {
        OutputUnit error = mostSpecific(result);
        throw ApiException.invalid(field(error), error.getError());
      }
    }
  }

  /** The base of the contract's schema repository, against which its references resolve. */
  private static final String BASE = "app:///";

  /** The error deepest in the value: where it is, not the alternatives it failed as a whole. */
  private static OutputUnit mostSpecific(OutputUnit result) {
    List<OutputUnit> errors = result.getErrors();
    if (errors == null || errors.isEmpty()) {
      return result.setError("does not match the contract").setInstanceLocation("");
    }
    // deepest first; at one depth, the keyword that failed (type, minimum) over the one that only
    // says a subschema failed (properties, allOf)
    return errors.stream()
        .filter(error -> error.getError() != null)
        .max(
            Comparator.comparingInt((OutputUnit error) -> depth(error.getInstanceLocation()))
                .thenComparing(error -> !APPLICATORS.contains(keyword(error))))
        .orElse(errors.get(0));
  }

  private static int depth(String pointer) {
    return pointer == null ? 0 : (int) pointer.chars().filter(c -> c == '/').count();
  }

  /**
   * The field an error is about, as the services name fields ({@code health.tcp}, {@code
   * command[0]}): its place in the body, and for a missing or unknown property the property itself;
   * {@code body} for the body as a whole.
   */
  static String field(OutputUnit error) {
    String pointer = error.getInstanceLocation() == null ? "" : error.getInstanceLocation();
    StringBuilder field = new StringBuilder();
    for (String segment : pointer.replaceFirst("^#?/?", "").split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      String name = segment.replace("~1", "/").replace("~0", "~");
      if (name.chars().allMatch(Character::isDigit)) {
        field.append('[').append(name).append(']');
      } else {
        field.append(field.length() == 0 ? "" : ".").append(name);
      }
    }
    if (NAMES_A_PROPERTY.contains(keyword(error)) && error.getError() != null) {
      Matcher property = PROPERTY.matcher(error.getError());
      if (property.find()) {
        field.append(field.length() == 0 ? "" : ".").append(property.group(1));
      }
    }
    return field.length() == 0 ? "body" : field.toString();
  }

  private static String keyword(OutputUnit error) {
    String location = error.getKeywordLocation();
    return location == null ? "" : location.substring(location.lastIndexOf('/') + 1);
  }

  private static String reason(OutputUnit result, Parameter parameter) {
    OutputUnit error = mostSpecific(result);
    return error.getError() == null || "type".equals(keyword(error))
        ? "must be " + expected(parameter)
        : error.getError();
  }

  /** What a parameter's schema asks for, in words. */
  private static String expected(Parameter parameter) {
    return switch (parameter.getSchemaType()) {
      case INTEGER -> "a whole number";
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      default -> "text";
    };
  }

  private static String describe(Operation operation) {
    return "a JSON body (" + operation.getOperationId() + ")";
  }
}
