import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'node',
    include: ['src/**/*.test.ts'],
    // Model tests load ONNX sessions; the SmolLM2 ones take seconds each on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // One file at a time: ORT already uses the cores, parallel files only thrash.
    fileParallelism: false,
  },
});
