/**
 * ioredis, loaded only through `import("./ioredis.js")` when ICA_RATE_LIMIT_REDIS_URL is set. In the build it
 * is its own file (dist/redis-client.js, see scripts/build.mjs), so the stdio server never reads it.
 */
export { Redis } from "ioredis";
