/** GET /api/system/info (getSystemInfo). */
import type { RouteDef } from "../context.js";

/** The ICA release whose OpenAPI document the sandbox follows (ica-openapi SOURCE.md: v2.40.0). */
export const SANDBOX_ICA_VERSION = "2.40.0";

export const systemRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/api/system/info",
    operationId: "getSystemInfo",
    produces: ["v3"],
    handler: (ctx) => ctx.json(200, { name: "ICA sandbox", version: SANDBOX_ICA_VERSION }),
  },
];
