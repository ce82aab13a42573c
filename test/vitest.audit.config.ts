import { defineProject } from "vitest/config";

// Issues 5 and 9: end-to-end tests on their own 4-validator localnet that audits every result (src/audit/global-setup.ts).
// Run apart from the "e2e" project (make test-e2e runs them one after the other) so only one localnet is up.
export default defineProject({
  test: {
    name: "e2e-audit",
    include: ["src/audit/**/*.test.ts"],
    globalSetup: ["src/audit/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
