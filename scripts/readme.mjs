// Regenerates the README's configuration and tool tables from the code (dist/), so they cannot drift.
// `node scripts/readme.mjs` rewrites README.md; `--check` exits 1 when README.md is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { OPTIONS } = await import(new URL("../dist/config.js", import.meta.url).href);
const { ALL_TOOLS } = await import(new URL("../dist/tools/index.js", import.meta.url).href);

const esc = (s) => String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");

export function optionsTable() {
  const rows = ["| Environment variable | Flag | Default | Meaning |", "|---|---|---|---|"];
  for (const o of OPTIONS) {
    const env = o.env
      ? [`\`${o.env}\``, ...(o.aliases ?? []).map((a) => `\`${a}\``)].join(" (alias ") +
        (o.aliases?.length ? ")" : "")
      : "–";
    rows.push(
      `| ${env} | ${o.flag ? `\`${o.flag}\`` : "(env only)"} | ${o.default ? `\`${o.default}\`` : "–"} | ${esc(o.description)} |`,
    );
  }
  return rows.join("\n");
}

export function toolsTable() {
  const rows = ["| Tool | What it is for | Kind |", "|---|---|---|"];
  for (const t of ALL_TOOLS) {
    const a = t.annotations;
    const kind = a.readOnlyHint
      ? "read-only"
      : a.destructiveHint
        ? "writes (destructive)"
        : a.idempotentHint
          ? "writes (idempotent)"
          : "writes";
    const purpose = t.description.split("\n")[0];
    rows.push(`| \`${t.name}\` | ${esc(purpose)} | ${kind} |`);
  }
  return rows.join("\n");
}

function replaceBlock(text, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

export function renderReadme(current) {
  return replaceBlock(replaceBlock(current, "options", optionsTable()), "tools", toolsTable());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = `${root}README.md`;
  const current = readFileSync(path, "utf8");
  const next = renderReadme(current);
  if (process.argv.includes("--check")) {
    if (next !== current) {
      console.error("README.md is out of date: run `npm run readme`");
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(path, next);
    console.error("README.md updated");
  }
}
