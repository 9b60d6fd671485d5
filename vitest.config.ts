import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The example integration runs its own tests against the installed package (test/package/).
    exclude: ["test/package/consumer/**", "**/node_modules/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: ONNX sessions and crash tests are CPU-heavy; two workers keep them fair.
    maxWorkers: 2,
  },
});
