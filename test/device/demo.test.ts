/**
 * `facegate demo`, the README's first command, run in-process through the CLI exactly as
 * a newcomer runs it: the real gate runtime on simulated hardware, the real face models on
 * the fixture photos, a real broker (Mosquitto when FACEGATE_MQTT_URL is set, else the
 * demo's embedded one), signed commands, and the evidence it leaves checked by the
 * offline verifiers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../device/cli/main.js";
import type { CliIo } from "../../device/cli/cli-io.js";
import type { DemoReport } from "../../device/demo/run-demo.js";
import { facesAvailable, facesDir, repoRoot } from "../support/faces.js";
import { normalizeText } from "../support/normalize-output.js";

const dir = mkdtempSync(join(tmpdir(), "fg-demo-"));

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: { FACEGATE_FACES: facesDir }, cwd: dir };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!facesAvailable)("facegate demo", () => {
  let report: DemoReport;
  let code: number;
  let stderr: string;

  beforeAll(async () => {
    const url = process.env["FACEGATE_MQTT_URL"];
    const a = io();
    code = await main(["demo", "--json", "--out", "evidence", ...(url ? ["--broker", url, "--mqtt-version", "5"] : [])], a);
    stderr = a.stderr.join("\n");
    report = JSON.parse(a.stdout.at(-1) ?? "{}") as DemoReport;
  }, 120_000);

  it("exits 0 with every step as expected", () => {
    expect(code, `${stderr}\n${report.failures?.join("\n")}`).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.steps.length).toBeGreaterThanOrEqual(25);
  });

  it("lets the consenting residents in by face, the one who declined by card, and nobody unknown", () => {
    const byFace = report.steps.filter((s) => s.decision?.granted && s.decision.method === "face" && s.action === "walks up to the door camera");
    expect(byFace.map((s) => s.decision?.personRef)).toEqual(["r-101", "r-102", "r-103"]);
    const decliner = report.steps.filter((s) => s.who.startsWith("Howard"));
    expect(decliner.map((s) => s.decision?.method ?? "none")).toEqual(["none", "none", "card"]);
    const strangers = report.steps.filter((s) => s.who === "a stranger");
    expect(strangers).toHaveLength(2);
    for (const s of strangers) expect(s.outcome).toMatch(/no decision; 0 events, 0 log lines, no database table changed/);
  });

  it("refuses the phone-screen picture by liveness and states the limit of the print, if any, instead of hiding it", () => {
    const phone = report.steps.find((s) => s.action.includes("phone"))!;
    expect(phone.decision).toMatchObject({ granted: false, reason: "liveness_failed" });
    const print = report.steps.find((s) => s.action.includes("print"))!;
    if (print.decision?.granted) expect(report.limits.join("\n")).toMatch(/print/);
  });

  it("shows the receipt at the gate, and the operator receives and verifies the same receipt", () => {
    const atGate = report.steps.find((s) => s.action.includes("privacy menu"))!;
    expect(atGate.display?.join("\n")).toMatch(/receipt [0-9a-f-]{36}[\s\S]*verification code [0-9a-f]{16}/);
    expect(report.steps.find((s) => s.action.includes("receives"))!.outcome).toMatch(/signature valid.*matches the display/);
  });

  it("deletes over MQTT with a verified receipt, and leaves evidence the offline verifiers accept", async () => {
    const deletion = report.steps.find((s) => s.action.includes("subject.delete"))!;
    expect(deletion.ok).toBe(true);
    expect(deletion.facts?.["roundTripMs"]).toBeLessThan(5_000);

    const key = ["--device-key", report.files["deviceKey"]!];
    for (const file of [report.files["deletionReceipt"]!, report.files["atGateReceipt"]!]) {
      const ok = io();
      expect(await main(["receipt", "verify", file, ...key], ok), ok.stderr.join("\n")).toBe(0);
    }
    const audit = io();
    expect(await main(["audit", "verify", report.files["audit"]!, ...key], audit), audit.stderr.join("\n")).toBe(0);

    // The verifiers are not a formality: an edited receipt or audit export is refused.
    const receipt = JSON.parse(readFileSync(report.files["deletionReceipt"]!, "utf8")) as { deleted: { templates: number } };
    receipt.deleted.templates = 0;
    writeFileSync(join(dir, "edited-receipt.json"), JSON.stringify(receipt));
    expect(await main(["receipt", "verify", "edited-receipt.json", ...key], io())).toBe(5);
    const doc = JSON.parse(readFileSync(report.files["audit"]!, "utf8")) as { entries: Array<{ subject: string | null }> };
    doc.entries[doc.entries.length - 5]!.subject = "someone-else";
    writeFileSync(join(dir, "edited-audit.json"), JSON.stringify(doc));
    expect(await main(["audit", "verify", "edited-audit.json", ...key], io())).toBe(5);
  });

  it("names the missing fixtures instead of failing somewhere inside", async () => {
    const a = io();
    expect(await main(["demo", "--faces", "no-such-folder"], a)).toBe(3);
    expect(a.stderr.join("\n")).toMatch(/face fixtures not found at .*no-such-folder/);
  });
});

describe.skipIf(!facesAvailable)("facegate demo, as printed", () => {
  it("prints the same steps and outcomes as the pinned run (test/golden/demo-output.txt)", async () => {
    const a = io();
    const code = await main(["demo"], a);
    const printed = `${normalizeText([...a.stdout, ...a.stderr.map((t) => `stderr: ${t}`)].join("\n"))}\nexit ${code}\n`;
    expect(printed).toBe(readFileSync(join(repoRoot, "test", "golden", "demo-output.txt"), "utf8"));
  }, 120_000);
});
