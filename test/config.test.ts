import { describe, expect, it } from "vitest";
import { DEFAULT_BASE_URL, parseConfig } from "../src/config.js";

describe("configuration", () => {
  it("uses defaults", () => {
    const r = parseConfig([], {});
    expect(r.ok && r.config).toMatchObject({
      baseUrl: DEFAULT_BASE_URL,
      maxRps: 10,
      timeoutMs: 30_000,
      logLevel: "info",
      sandbox: false,
    });
  });

  it("prefers flags over environment and primary names over aliases", () => {
    const r = parseConfig(["--base-url", "https://flag.example/ica/rest/", "--max-rps=3"], {
      ICA_BASE_URL: "https://env.example/ica/rest",
      ICAV2_BASE_URL: "https://alias.example/ica/rest",
      ICA_MAX_REQUESTS_PER_SECOND: "7",
      ICAV2_X_API_KEY: "alias-key-123",
      ICA_API_KEY: "primary-key-123",
      ICAV2_ACCESS_TOKEN: "alias-token-123",
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.baseUrl).toBe("https://flag.example/ica/rest");
    expect(r.config.maxRps).toBe(3);
    expect(r.config.apiKey).toBe("primary-key-123");
    expect(r.config.accessToken).toBe("alias-token-123");
  });

  it("falls back to the ICAV2 aliases", () => {
    const r = parseConfig([], {
      ICAV2_BASE_URL: "https://alias.example/ica/rest",
      ICAV2_X_API_KEY: "alias-key-123",
    });
    expect(r.ok && r.config.baseUrl).toBe("https://alias.example/ica/rest");
    expect(r.ok && r.config.apiKey).toBe("alias-key-123");
  });

  it("names the variable or flag that is wrong, in one line", () => {
    const a = parseConfig([], { ICA_TIMEOUT_MS: "soon" });
    expect(!a.ok && a.message).toMatch(/^invalid ICA_TIMEOUT_MS: .*soon/);
    const b = parseConfig(["--max-rps", "0"], {});
    expect(!b.ok && b.message).toMatch(/^invalid --max-rps/);
    const c = parseConfig([], { ICA_BASE_URL: "ftp://x" });
    expect(!c.ok && c.message).toMatch(/ICA_BASE_URL.*http/);
    const d = parseConfig(["--bogus"], {});
    expect(!d.ok && d.message).toMatch(/unknown flag --bogus/);
  });

  it("notes that --sandbox ignores real credentials", () => {
    const r = parseConfig(["--sandbox"], { ICA_API_KEY: "real-key-123" });
    expect(r.ok && r.notices.join()).toMatch(/ignoring the configured ICA credentials/);
  });
});
