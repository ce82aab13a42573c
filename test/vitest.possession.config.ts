import { defineProject } from "vitest/config";

// Issue 11's proof of possession: its own localnet with challenges on (src/possession/global-setup.ts); the shared
// "e2e" localnet runs with them off. make test-e2e runs the projects one after the other.
export default defineProject({
  test: {
    name: "e2e-possession",
    include: ["src/possession/**/*.test.ts"],
    globalSetup: ["src/possession/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
