import { redact } from "./redact.js";

/** stderr-only logger: stdout belongs to the MCP protocol. Every line is redacted. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold: LogLevel = "info";

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

function write(level: Exclude<LogLevel, "silent">, message: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  let line = `[ica-mcp] ${level}: ${message}`;
  if (fields && Object.keys(fields).length > 0) {
    try {
      line += ` ${JSON.stringify(fields)}`;
    } catch {
      line += " [unserialisable fields]";
    }
  }
  process.stderr.write(`${redact(line)}\n`);
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>) => write("debug", m, f),
  info: (m: string, f?: Record<string, unknown>) => write("info", m, f),
  warn: (m: string, f?: Record<string, unknown>) => write("warn", m, f),
  error: (m: string, f?: Record<string, unknown>) => write("error", m, f),
};
