import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "localnet", include: ["src/**/*.test.ts"] },
});
