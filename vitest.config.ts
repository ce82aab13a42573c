import { defineConfig } from "vitest/config";

// One project per workspace: `--project sdk|node|localnet` are unit tests, `--project e2e` needs a built
// chain and starts its own localnet.
export default defineConfig({
  test: {
    projects: ["sdk", "node", "localnet", "test/vitest.config.ts", "test/vitest.audit.config.ts", "test/vitest.possession.config.ts", "test/vitest.training-audit.config.ts"],
  },
});
