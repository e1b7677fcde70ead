import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IcaApiError } from "../src/ica/errors.js";
import { scrubKeysFromError } from "../src/tools/credentials/keys.js";
import { listed } from "./helpers/columnar.js";
import { type Connected, connectTools, textOf } from "./helpers/mcp.js";
import { useSandbox } from "./helpers/sandbox.js";
import { captureDebugStderr } from "./helpers/stderr.js";

const sandbox = useSandbox();

// Each secret is used once, so that a leak can be traced to the call that made it.
const SECRET_CREATE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYcreateKEY1";
const SECRET_DUPLICATE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYdupeKEY222";
const SECRET_ROTATE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYrotateKEY3";
const SECRET_ROTATE_404 = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYmissingKY4";
const SECRET_BAD_NAME = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYbadnameKY5";
const SECRET_BAD_CHARS = "wJalrXUtnFEMI/K7MDENG=bPxRfiCYbadcharKY6";
const SECRET_SHORT = "Qz7kX";
const KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const ALL_SECRETS = [
  SECRET_CREATE,
  SECRET_DUPLICATE,
  SECRET_ROTATE,
  SECRET_ROTATE_404,
  SECRET_BAD_NAME,
  SECRET_BAD_CHARS,
  SECRET_SHORT,
];

let c: Connected;
let capture: ReturnType<typeof captureDebugStderr>;
const outputs: string[] = [];

beforeAll(async () => {
  c = await connectTools(sandbox(), { env: { ICA_LOG_LEVEL: "debug" } });
  capture = captureDebugStderr();
});

afterAll(async () => {
  capture.restore();
  await c.close();
});

async function call(name: string, args: Record<string, unknown>) {
  const res = await c.client.callTool({ name, arguments: args });
  outputs.push(JSON.stringify(res));
  return res as { isError?: boolean; structuredContent?: Record<string, unknown>; content: unknown };
}

const posts = (suffix: string) =>
  sandbox().exchanges.filter((e) => e.method === "POST" && e.path.endsWith(suffix));

describe("ica_create_storage_credentials", () => {
  it("registers the key pair, returns the id and a masked key id, and never the secret", async () => {
    const before = posts("/api/storageCredentials").length;
    const res = await call("ica_create_storage_credentials", {
      name: "lab_bucket-01",
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET_CREATE,
    });
    expect(res.isError).toBeFalsy();
    const s = res.structuredContent!;
    const stored = sandbox().state.storageCredentials.get(s.id as string)!;
    expect(stored.name).toBe("lab_bucket-01");
    expect(stored.secrets).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET_CREATE });
    expect(s).toEqual({
      id: stored.id,
      name: "lab_bucket-01",
      type: "AWS_USER",
      accessKeyId: "AKIA…MPLE",
      timeCreated: stored.timeCreated,
    });
    expect(textOf(res)).toContain(`storageCredentialsId="${stored.id}"`);
    const sent = posts("/api/storageCredentials");
    expect(sent.length - before).toBe(1);
    expect(sent.at(-1)!.requestBody).toEqual({
      name: "lab_bucket-01",
      type: "AWS_USER",
      awsCredentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET_CREATE },
    });
    expect(sent.at(-1)!.status).toBe(201);
  });

  it("keeps the secret out of the error when ICA rejects the body and echoes it back", async () => {
    const res = await call("ica_create_storage_credentials", {
      name: "lab_bucket-01",
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET_DUPLICATE,
    });
    expect(res.isError).toBe(true);
    // The sandbox really did echo the secret (like a careless server)...
    const answer = JSON.stringify(posts("/api/storageCredentials").at(-1)!.responseBody);
    expect(posts("/api/storageCredentials").at(-1)!.status).toBe(409);
    expect(answer).toContain(SECRET_DUPLICATE);
    // ...and the tool's error explains the conflict without it.
    expect(textOf(res)).toMatch(/409/);
    expect(textOf(res)).toMatch(/already exists/);
    expect(textOf(res)).toContain("[REDACTED]");
    expect(textOf(res)).not.toContain(SECRET_DUPLICATE);
    expect(textOf(res)).not.toContain(KEY_ID);
  });

  it("scrubs a secret too short to register when ICA echoes it", async () => {
    const res = await call("ica_create_storage_credentials", {
      name: "lab_bucket-01",
      accessKeyId: "AKIASHORTSECRET00001",
      secretAccessKey: SECRET_SHORT,
    });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(posts("/api/storageCredentials").at(-1)!.responseBody)).toContain(SECRET_SHORT);
    expect(textOf(res)).toMatch(/already exists/);
    expect(textOf(res)).not.toContain(SECRET_SHORT);
  });

  it("checks the name exactly (pattern and 1-150 characters) before sending anything", async () => {
    const before = sandbox().requestLog.length;
    const cases: [string, RegExp][] = [
      ["my bucket!", /only letters, digits, '_' and '-' \(not " " "!"\)/],
      ["", /1-150 characters \(got 0\)/],
      ["x".repeat(151), /1-150 characters \(got 151\)/],
      ["lab/s3", /not "\/"/],
      ["näme", /not "ä"/],
    ];
    for (const [name, message] of cases) {
      const res = await call("ica_create_storage_credentials", {
        name,
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET_BAD_NAME,
      });
      expect(res.isError, name).toBe(true);
      expect(textOf(res)).toMatch(message);
      expect(textOf(res)).not.toContain(SECRET_BAD_NAME);
    }
    const ok = "a".repeat(150);
    expect(sandbox().requestLog.length).toBe(before);
    const res = await call("ica_create_storage_credentials", {
      name: ok,
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET_BAD_NAME,
    });
    expect(res.isError).toBeFalsy();
  });

  it("refuses keys with '=' or ',', swapped keys and over-long keys without echoing them", async () => {
    const before = sandbox().requestLog.length;
    const bad = await call("ica_create_storage_credentials", {
      name: "chars",
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET_BAD_CHARS,
    });
    expect(textOf(bad)).toMatch(/secretAccessKey must not contain '=' or ','/);
    const swapped = await call("ica_create_storage_credentials", {
      name: "swapped",
      accessKeyId: SECRET_CREATE,
      secretAccessKey: KEY_ID,
    });
    expect(textOf(swapped)).toMatch(/look swapped/);
    const long = await call("ica_create_storage_credentials", {
      name: "long",
      accessKeyId: KEY_ID,
      secretAccessKey: `${SECRET_BAD_CHARS.replace("=", "x")}${"y".repeat(80)}`,
    });
    expect(textOf(long)).toMatch(/secretAccessKey must be 1-100 characters \(got 120\)/);
    for (const r of [bad, swapped, long]) {
      expect(r.isError).toBe(true);
      expect(textOf(r)).not.toContain(SECRET_BAD_CHARS);
      expect(textOf(r)).not.toContain(SECRET_CREATE);
      expect(textOf(r)).not.toContain("y".repeat(80));
    }
    expect(sandbox().requestLog.length).toBe(before);
  });
});

describe("ica_list_storage_credentials", () => {
  it("lists id, name, type and dates, with no secret", async () => {
    const res = await call("ica_list_storage_credentials", {});
    expect(res.isError).toBeFalsy();
    const s = listed(res) as {
      items: Record<string, unknown>[];
      total: number;
      truncated: boolean;
    };
    const visible = sandbox().state.storageCredentials.all();
    expect(s.total).toBe(visible.length);
    expect(s.truncated).toBe(false);
    expect(s.items.map((i) => i.id)).toEqual(visible.map((v) => v.id));
    const seeded = s.items.find((i) => i.name === "lab-s3-readonly")!;
    expect(Object.keys(seeded).sort()).toEqual(["id", "name", "timeCreated", "timeModified", "type"]);
    expect(JSON.stringify(res)).not.toContain("sandbox/secret/never-returned");
    expect(textOf(res)).toMatch(/storageCredentialsId/);
  });
});

describe("ica_rotate_storage_credentials", () => {
  it("replaces the stored secrets with :updateSecrets and reports the masked key id", async () => {
    const target = sandbox().state.storageCredentials.find((x) => x.name === "lab-s3-readonly")!;
    const res = await call("ica_rotate_storage_credentials", {
      storageCredentialsId: target.id,
      accessKeyId: "AKIAROTATED000000042",
      secretAccessKey: SECRET_ROTATE,
    });
    expect(res.isError).toBeFalsy();
    expect(target.secrets).toEqual({ accessKeyId: "AKIAROTATED000000042", secretAccessKey: SECRET_ROTATE });
    expect(res.structuredContent).toEqual({
      id: target.id,
      name: "lab-s3-readonly",
      accessKeyId: "AKIA…0042",
      timeModified: target.timeModified,
    });
    const sent = posts(":updateSecrets").at(-1)!;
    expect(sent.path).toBe(`/api/storageCredentials/${target.id}:updateSecrets`);
    expect(sent.status).toBe(204);
    expect(sent.requestBody).toEqual({
      awsCredentials: { accessKeyId: "AKIAROTATED000000042", secretAccessKey: SECRET_ROTATE },
    });
  });

  it("keeps the secret out of a 404 that echoes the body", async () => {
    const res = await call("ica_rotate_storage_credentials", {
      storageCredentialsId: "00000000-0000-4000-8000-000000000000",
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET_ROTATE_404,
    });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(posts(":updateSecrets").at(-1)!.responseBody)).toContain(SECRET_ROTATE_404);
    expect(textOf(res)).toMatch(
      /storageCredentialsId 0{8}-0000-4000-8000-0{12} was not found \(ICA answered 404\)/,
    );
    expect(textOf(res)).toMatch(/Next step: find the id with ica_list_storage_credentials/);
    expect(textOf(res)).not.toContain(SECRET_ROTATE_404);
  });
});

describe("secrets stay out of every channel", () => {
  it("later calls redact a registered secret wherever it shows up", async () => {
    const project = [...sandbox().state.projects.values()][0]!;
    const res = await call("ica_list_projects", { search: SECRET_CREATE.slice(0, 40) });
    expect(textOf(res)).not.toContain(SECRET_CREATE);
    const missing = await call("ica_get_project", { projectId: `${project.id}${SECRET_ROTATE}` });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain("[REDACTED]");
    expect(textOf(missing)).not.toContain(SECRET_ROTATE);
  });

  it("no result, error or log line of this file contains any secret", () => {
    const logs = capture.lines.join("");
    expect(logs).toMatch(/debug: ICA request/); // debug logging really was on
    const everything = `${outputs.join("\n")}\n${logs}`;
    for (const secret of ALL_SECRETS) expect(everything, secret).not.toContain(secret);
    expect(everything).not.toContain(KEY_ID);
  });
});

describe("scrubKeysFromError", () => {
  it("removes secrets, secret heads cut off by a length limit, and secret-named parameters", () => {
    const keys = {
      accessKeyId: "AKIA0000000000000001",
      secretAccessKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    };
    const err = new IcaApiError(
      400,
      "Bad Request",
      `rejected: name=x, awsCredentials.secretAccessKey=${keys.secretAccessKey.slice(0, 9)}`,
      { "awsCredentials.secretAccessKey": "anything", note: `key ${keys.accessKeyId} is bad` },
      { method: "POST", path: "/api/storageCredentials" },
    );
    const scrubbed = scrubKeysFromError(err, keys) as IcaApiError;
    expect(scrubbed.detail).toBe("rejected: name=x, awsCredentials.secretAccessKey=[REDACTED]");
    expect(scrubbed.parameters).toEqual({
      "awsCredentials.secretAccessKey": "[REDACTED]",
      note: "key [REDACTED] is bad",
    });
    expect(scrubbed.status).toBe(400);
    const other = new Error("x");
    expect(scrubKeysFromError(other, keys)).toBe(other);
  });
});
