/** POST /api/tokens (createJwtToken) and POST /api/tokens:refresh (refreshJwtToken). */
import type { RouteDef } from "../context.js";
import { ProblemError } from "../problem.js";

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export const tokenRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/api/tokens",
    operationId: "createJwtToken",
    produces: ["v3"],
    // Security is ApiKeyAuth | BasicAuth | PsTokenAuth, not the global JWT | API key: checked here.
    auth: false,
    handler(ctx) {
      const { auth } = ctx.services;
      const apiKey = header(ctx.headers["x-api-key"]);
      const authorization = header(ctx.headers.authorization);
      let userId: string;
      let src: "apikey" | "basic";
      if (apiKey !== undefined) {
        if (!auth.isValidApiKey(apiKey))
          throw new ProblemError(401, "Unauthorized", "The API key is not valid");
        userId = auth.userForKey(apiKey);
        src = "apikey";
      } else if (/^Basic\s/i.test(authorization ?? "")) {
        const user = auth.basicUser(authorization);
        if (!user) throw new ProblemError(401, "Unauthorized", "Invalid username or password");
        userId = user.id;
        src = "basic";
      } else if (/^Bearer\s/i.test(authorization ?? "")) {
        throw new ProblemError(401, "Unauthorized", "psToken authentication is not available in the sandbox");
      } else {
        throw new ProblemError(
          401,
          "Unauthorized",
          "No credentials: send an X-API-Key header or Basic authentication to generate a JWT",
        );
      }
      const tenant = ctx.query.get("tenant");
      if (tenant !== null && tenant !== "" && tenant !== ctx.state.tenant.name) {
        throw new ProblemError(403, "Forbidden", `The user has no access to tenant '${tenant}'`, { tenant });
      }
      return ctx.json(200, { token: auth.issue(userId, src) });
    },
  },
  {
    method: "POST",
    path: "/api/tokens:refresh",
    operationId: "refreshJwtToken",
    produces: ["v3"],
    handler(ctx) {
      const principal = ctx.principal!;
      if (principal.scheme !== "jwt") {
        throw new ProblemError(
          401,
          "Unauthorized",
          "Refreshing needs a valid JWT in the Authorization header",
        );
      }
      if (principal.tokenSource === "apikey") {
        throw new ProblemError(
          400,
          "Bad Request",
          "Refreshing the JWT is not possible if it has been created using an API-key",
        );
      }
      return ctx.json(200, { token: ctx.services.auth.issue(principal.userId, "basic") });
    },
  },
];
