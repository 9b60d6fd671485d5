import { describe, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: process.cwd() };
}

describe("facegate CLI", () => {
  it("lists its commands and refuses unknown ones with a usage exit code", async () => {
    const a = io();
    expect(await main(["--help"], a)).toBe(0);
    expect(a.stdout.join("\n")).toMatch(/models/);
    const b = io();
    expect(await main(["nonsense"], b)).toBe(2);
    expect(b.stderr.join("\n")).toMatch(/unknown command 'nonsense'/);
  });

  it("models verify --json reports every file verified", async () => {
    const a = io();
    expect(await main(["models", "verify", "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as { ok: boolean; files: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.files).toHaveLength(4);
  });

  it("unknown options are a usage error, not ignored", async () => {
    const a = io();
    expect(await main(["models", "verify", "--bogus"], a)).toBe(2);
    expect(a.stderr.join("\n")).toMatch(/unknown option --bogus/);
  });
});
