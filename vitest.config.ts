import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: ONNX sessions and crash tests are CPU-heavy; two workers keep them fair.
    maxWorkers: 2,
  },
});
