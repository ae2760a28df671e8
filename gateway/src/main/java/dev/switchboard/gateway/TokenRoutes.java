package dev.switchboard.gateway;

import dev.switchboard.common.auth.Action;
import dev.switchboard.common.auth.Authenticator;
import dev.switchboard.common.bus.Addresses;
import dev.switchboard.common.bus.Bus;
import dev.switchboard.common.http.ApiException;
import dev.switchboard.common.http.ErrorType;
import dev.switchboard.gateway.auth.SessionOrigin;
import dev.switchboard.gateway.auth.Sessions;
import dev.switchboard.gateway.auth.TokenStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.UUID;

/**
 * Named API tokens ({@code /api/v1/tokens}, the admin's) and the answer to {@link
 * Addresses#AUTH_VERIFY}, through which every service learns who a named token or a sign-in JWT
 * speaks for. Without a database the routes answer 503 and no named token is known.
 */
final class TokenRoutes {

  private static final long BODY_LIMIT = 16 * 1024;

  private final Vertx vertx;
  private final Optional<TokenStore> store;
  private final Sessions sessions;

  TokenRoutes(Vertx vertx, Optional<TokenStore> store, Sessions sessions) {
    this.vertx = vertx;
    this.store = store;
    this.sessions = sessions;
  }

  void mount(Operations api) {
    api.route("createToken", Action.ADMINISTER, BODY_LIMIT).handler(this::create);
    api.route("listTokens", Action.ADMINISTER)
        .handler(ctx -> store().list().onSuccess(ctx::json).onFailure(ctx::fail));
    api.route("deleteToken", Action.ADMINISTER).handler(this::delete);
  }

  /** Answers {@link Addresses#AUTH_VERIFY} for named tokens. */
  Future<Void> serve() {
    return Bus.serve(vertx, Addresses.AUTH_VERIFY, this::verify);
  }

  Future<JsonObject> verify(JsonObject request) {
    String token = request.getString("token", "");
    if (!token.startsWith(Authenticator.PREFIX)) {
      return sessions
          .verify(token)
          .compose(
              session ->
                  session
                      .map(
                          s -> {
                            JsonObject answer =
                                s.caller().toJson().put("expiresAt", s.expiresAt().toString());
                            // a revocation of the origin names it: every service then forgets this
                            s.origin()
                                .flatMap(SessionOrigin::revocationTag)
                                .ifPresent(tag -> answer.put("origin", tag));
                            // and so does the end of this session (a sign-out)
                            s.grant()
                                .flatMap(Sessions.Grant::sessionTag)
                                .ifPresent(tag -> answer.put("session", tag));
                            return Future.succeededFuture(answer);
                          })
                      .orElseGet(TokenRoutes::unknown));
    }
    if (store.isEmpty()) {
      return unknown();
    }
    return store
        .get()
        .find(Authenticator.key(token))
        .compose(
            found ->
                found
                    .map(
                        f ->
                            Future.succeededFuture(
                                new JsonObject()
                                    .put("name", f.name())
                                    .put("role", f.role().label())
                                    .put(
                                        "expiresAt",
                                        f.expiresAt().map(Object::toString).orElse(null))
                                    // what its revocation names, so a hub can end its sockets
                                    .put("origin", SessionOrigin.NamedToken.tag(f.id()))))
                    .orElseGet(TokenRoutes::unknown));
  }

  private static Future<JsonObject> unknown() {
    return Future.failedFuture(new ApiException(ErrorType.UNAUTHORIZED, "unknown token", null));
  }

  private void create(RoutingContext ctx) {
    store()
        .create(Forward.jsonBody(ctx))
        .onSuccess(
            created ->
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("Location", "/api/v1/tokens/" + created.getString("id"))
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store")
                    .end(created.toBuffer()))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("id", "id must be a token's UUID");
    }
    store()
        .delete(id)
        .onSuccess(
            deleted -> {
              vertx
                  .eventBus()
                  .publish(
                      Addresses.AUTH_REVOKED,
                      new JsonObject()
                          .put("key", deleted.getString("key"))
                          .put("origin", SessionOrigin.NamedToken.tag(id)));
              ctx.response().setStatusCode(204).end();
            })
        .onFailure(ctx::fail);
  }

  private TokenStore store() {
    return store.orElseThrow(
        () -> ApiException.unavailable("named tokens need the database, and the gateway has none"));
  }
}
