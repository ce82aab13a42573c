import { defineProject } from "vitest/config";

// End-to-end tests: one real localnet for the whole run (see src/global-setup.ts), files run one at a time.
export default defineProject({
  test: {
    name: "e2e",
    include: ["src/**/*.test.ts"],
    // src/audit runs in its own project (vitest.audit.config.ts) against a 3-validator localnet.
    exclude: ["src/audit/**"],
    globalSetup: ["src/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
