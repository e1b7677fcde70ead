/**
 * `ica-mcp --http`: the process around the team-mode server (start-up checks and warnings, SIGTERM/SIGINT).
 * stdout stays silent here too; everything is logged to stderr.
 */
import type { Config } from "../config.js";
import type { IcaClientOptions } from "../ica/client.js";
import { log } from "../log.js";
import type { AnyTool } from "../mcp/adapter.js";
import { VERSION } from "../version.js";
import { isLoopbackHost } from "./guard.js";
import { startHttpServer } from "./server.js";

export interface HttpMainOptions {
  config: Config;
  tools: AnyTool[];
  clientOptions?: Partial<IcaClientOptions>;
  /** Closed after the server (the embedded sandbox). */
  closers: (() => Promise<void>)[];
}

export async function runHttp(opts: HttpMainOptions): Promise<void> {
  const { config } = opts;
  if (!isLoopbackHost(config.host)) {
    log.warn(
      `--host ${config.host} is not a loopback address: anyone who can reach it can use any ICA key they hold through this server; put an authenticating reverse proxy in front (see the README's Team mode)`,
    );
  }
  if (config.confirm !== "off" && !config.confirmSecret) {
    log.warn(
      "ICA_CONFIRM_SECRET is not set: confirmation tokens verify only on this process; with several replicas (or after a restart) a dry run's token is refused elsewhere. Set the same ICA_CONFIRM_SECRET on every replica.",
    );
  }
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    server = await startHttpServer({ config, tools: opts.tools, clientOptions: opts.clientOptions });
  } catch (err) {
    process.stderr.write(`ica-mcp: ${err instanceof Error ? err.message : String(err)}\n`);
    await Promise.all(opts.closers.map((c) => c().catch(() => {})));
    process.exit(1);
  }
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`shutting down (${reason}): finishing ${server.inFlight()} request(s)`);
    // Never hang on exit, whatever still refuses to close.
    setTimeout(() => process.exit(0), 20_000).unref();
    await server.close();
    await Promise.all(opts.closers.map((c) => c().catch(() => {})));
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  log.info(
    `ica-mcp ${VERSION} ready on ${server.origin}/mcp (stateless Streamable HTTP; ICA at ${new URL(config.baseUrl).origin})`,
  );
}
