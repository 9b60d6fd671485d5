/**
 * `facegate demo`, the README's first command, run in-process through the CLI exactly as
 * a newcomer runs it: the real gate runtime on simulated hardware, the real face models on
 * the demo's own cast (simulator/cast, shipped with the repository), a real broker
 * (Mosquitto when FACEGATE_MQTT_URL is set, else the demo's embedded one), signed
 * commands, and the evidence it leaves checked by the offline verifiers.
 *
 * FACEGATE_FACES points to an empty folder and the working directory is an empty one: the
 * demo must need nothing beside the checkout (the fixtures are for the tests).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../device/cli/main.js";
import type { CliIo } from "../../device/cli/cli-io.js";
import { CAST_FILE, SHIPPED_CAST_DIR, castFiles, loadDemoCast } from "../../device/demo/demo-cast.js";
import type { DemoReport } from "../../device/demo/run-demo.js";
import { facePath, facesAvailable, repoRoot } from "../support/faces.js";
import { normalizeText } from "../support/normalize-output.js";

const dir = mkdtempSync(join(tmpdir(), "fg-demo-"));
const noFixtures = mkdtempSync(join(tmpdir(), "fg-no-faces-"));

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: { FACEGATE_FACES: noFixtures }, cwd: dir };
}

const brokerArgs = (): string[] => {
  const url = process.env["FACEGATE_MQTT_URL"];
  return url ? ["--broker", url, "--mqtt-version", "5"] : [];
};

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(noFixtures, { recursive: true, force: true });
});

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe("the demo's cast", () => {
  it("ships exactly the photos the demo uses, with its cast.json and a README giving source and licence", () => {
    const cast = loadDemoCast();
    expect(cast.dir).toBe(SHIPPED_CAST_DIR);
    expect(filesUnder(SHIPPED_CAST_DIR)).toEqual([...castFiles(cast), CAST_FILE, "README.md"].sort());
    const readme = readFileSync(join(SHIPPED_CAST_DIR, "README.md"), "utf8");
    expect(readme).toMatch(/face-api\.js/);
    expect(readme).toMatch(/Permission is hereby granted, free of charge/);
  });
});

describe("facegate demo", () => {
  let report: DemoReport;
  let code: number;
  let stderr: string;

  beforeAll(async () => {
    const a = io();
    code = await main(["demo", "--json", "--out", "evidence", ...brokerArgs()], a);
    stderr = a.stderr.join("\n");
    report = JSON.parse(a.stdout.at(-1) ?? "{}") as DemoReport;
  }, 120_000);

  it("runs from the shipped cast alone and exits 0 with every step as expected", () => {
    expect(code, `${stderr}\n${report.failures?.join("\n")}`).toBe(0);
    expect(report.cast.dir).toBe(SHIPPED_CAST_DIR);
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

  it("names what is missing from --faces DIR instead of failing somewhere inside", async () => {
    const a = io();
    expect(await main(["demo", "--faces", "no-such-folder"], a)).toBe(3);
    expect(a.stderr.join("\n")).toMatch(/demo cast not found: .*no-such-folder is not a folder/);
    const b = io();
    expect(await main(["demo", "--faces", noFixtures], b)).toBe(3);
    expect(b.stderr.join("\n")).toMatch(/demo cast incomplete in .*: missing identities\/sheldon\/sheldon1\.png, .*strangers\/happy\.jpg/);
  });
});

describe.skipIf(!facesAvailable)("facegate demo, as printed", () => {
  it("prints the same steps and outcomes as the pinned run (test/golden/demo-output.txt)", async () => {
    const a = io();
    const code = await main(["demo"], a);
    const printed = `${normalizeText([...a.stdout, ...a.stderr.map((t) => `stderr: ${t}`)].join("\n"), repoRoot)}\nexit ${code}\n`;
    expect(printed).toBe(readFileSync(join(repoRoot, "test", "golden", "demo-output.txt"), "utf8"));
  }, 120_000);
});

describe.skipIf(!facesAvailable)("facegate demo --faces DIR", () => {
  it("finds the shipped cast's files by name in a copy of the fixtures", () => {
    const cast = loadDemoCast(facePath());
    expect(cast.dir).toBe(facePath());
    expect(cast.file).toBe(join(SHIPPED_CAST_DIR, CAST_FILE));
  });

  it("casts other people from DIR/cast.json, whole photos at the door, and every step goes as expected", async () => {
    const own = join(dir, "own-cast");
    const people = ["amy", "raj", "stuart", "bernadette"];
    for (const p of people) {
      mkdirSync(join(own, p), { recursive: true });
      for (const n of [1, 2, 3]) cpSync(facePath("identities", p, `${p}${n}.png`), join(own, p, `${n}.png`));
    }
    mkdirSync(join(own, "visitors"));
    for (const s of ["sad.jpg", "surprised.jpg"]) cpSync(facePath("strangers", s), join(own, "visitors", s));
    const residents = people.map((p) => ({ name: p.toUpperCase(), photo: `${p}/1.png`, door: { image: `${p}/2.png` }, doorLater: { image: `${p}/3.png` } }));
    writeFileSync(join(own, "cast.json"), JSON.stringify({ residents, strangers: [{ image: "visitors/sad.jpg" }, { image: "visitors/surprised.jpg" }] }));

    const a = io();
    const code = await main(["demo", "--faces", "own-cast", "--json", ...brokerArgs()], a);
    const report = JSON.parse(a.stdout.at(-1) ?? "{}") as DemoReport;
    expect(code, `${a.stderr.join("\n")}\n${report.failures?.join("\n")}`).toBe(0);
    expect(report.cast).toEqual({ dir: own, file: join(own, "cast.json") });
    const byFace = report.steps.filter((s) => s.decision?.granted && s.decision.method === "face" && s.action === "walks up to the door camera");
    expect(byFace.map((s) => s.who)).toEqual(["AMY (r-101)", "RAJ (r-102)", "STUART (r-103)"]);
    expect(report.steps.filter((s) => s.who.startsWith("BERNADETTE")).map((s) => s.decision?.method ?? "none")).toEqual(["none", "none", "card"]);
  }, 120_000);
});
