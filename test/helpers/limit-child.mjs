/**
 * One "replica" for the shared rate-limit tests: the built client (dist/), configured from its environment as
 * the server would be (ICA_BASE_URL, ICA_API_KEY, ICA_MAX_REQUESTS_PER_SECOND, ICA_RATE_LIMIT_REDIS_URL), sends
 * LIMIT_CHILD_COUNT GET requests, LIMIT_CHILD_CONCURRENCY at a time, then prints one JSON line and exits.
 * It prints "ready" first and starts when a line arrives on stdin, so that all replicas start together.
 */
import { parseConfig } from "../../dist/config.js";
import { clientFromConfig } from "../../dist/ica/from-config.js";

const parsed = parseConfig([], process.env);
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(2);
}
const ica = clientFromConfig(parsed.config);
const count = Number(process.env.LIMIT_CHILD_COUNT ?? "10");
const concurrency = Number(process.env.LIMIT_CHILD_CONCURRENCY ?? "4");
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
process.stdin.pause();
let next = 0;
let ok = 0;
const errors = [];
async function worker() {
  while (next < count) {
    next++;
    try {
      await ica.request({ method: "GET", path: "/api/projects" });
      ok++;
    } catch (err) {
      errors.push(`${err.name}: ${err.message}`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await ica.close();
process.stdout.write(`${JSON.stringify({ ok, errors: errors.slice(0, 5) })}\n`);
