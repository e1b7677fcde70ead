/** Every sandbox route, one file per API area. */
import type { RouteDef } from "../context.js";
import { projectRoutes } from "./projects.js";
import { systemRoutes } from "./system.js";
import { tokenRoutes } from "./tokens.js";

export const allRoutes: RouteDef[] = [...tokenRoutes, ...systemRoutes, ...projectRoutes];
