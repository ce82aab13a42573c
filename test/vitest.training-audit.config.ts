import { defineProject } from "vitest/config";

// Issue 11's training verification: its own 3-validator localnet (src/training-audit/global-setup.ts) where every
// training result is replay-audited by the two other executors. make test-e2e runs the projects one after the other.
export default defineProject({
  test: {
    name: "e2e-training-audit",
    include: ["src/training-audit/**/*.test.ts"],
    globalSetup: ["src/training-audit/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
