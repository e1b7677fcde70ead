import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/secret-guard.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: keep parallelism modest so timing-sensitive retry tests stay stable.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
