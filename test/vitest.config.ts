import { defineProject } from "vitest/config";

// End-to-end tests: one real localnet for the whole run (see src/global-setup.ts), files run one at a time.
export default defineProject({
  test: {
    name: "e2e",
    include: ["src/**/*.test.ts"],
    // src/audit, src/possession and src/training-audit run in their own projects (vitest.audit.config.ts,
    // vitest.possession.config.ts, vitest.training-audit.config.ts).
    exclude: ["src/audit/**", "src/possession/**", "src/training-audit/**"],
    globalSetup: ["src/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
