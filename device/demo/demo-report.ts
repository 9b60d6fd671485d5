/**
 * The demo's printout: what happened, step by step, readable by someone who has never
 * seen facegate. Names appear here only; everything the gate records uses references.
 */
import type { DemoScene, DemoStep } from "./demo-journal.js";
import type { DemoReport } from "./run-demo.js";

const SCENES: Record<DemoScene, string> = {
  setup: "SET-UP",
  office: "AT THE PROPERTY OFFICE (commands signed by operator keys, sent over MQTT)",
  door: "AT THE DOOR (simulated camera, card reader and keypad; real face models)",
  proof: "PROOF (what the operator, a resident or a court can check afterwards)",
};

/** Prints steps as they happen, with a heading whenever the scene changes. */
export function stepPrinter(out: (text: string) => void): (step: DemoStep) => void {
  let scene: DemoScene | undefined;
  return (step) => {
    if (step.scene !== scene) {
      scene = step.scene;
      out(`\n${SCENES[scene]}`);
    }
    out(formatStep(step));
  };
}

export function formatStep(step: DemoStep): string {
  const lines = [`  ${step.ok ? "ok  " : "FAIL"}  ${step.who} ${step.action}`, `        -> ${step.outcome}`];
  if (!step.ok) lines.push(`        expected: ${step.expected}`);
  const shown = step.display?.at(-1);
  if (shown) {
    const [first, ...rest] = shown.split("\n");
    lines.push(`        display: ${first}`);
    for (const line of rest) lines.push(`                 ${line}`);
  }
  if (step.limit) lines.push(`        LIMIT: ${step.limit}`);
  return lines.join("\n");
}

export function formatSummary(report: DemoReport): string {
  const lines = [""];
  if (report.limits.length > 0) {
    lines.push("LIMITS SHOWN BY THIS RUN");
    for (const l of report.limits) lines.push(`  - ${l}`);
    lines.push("");
  }
  const ok = report.steps.filter((s) => s.ok).length;
  if (report.passed) lines.push(`RESULT: all ${report.steps.length} steps went as expected.`);
  else {
    lines.push(`RESULT: ${report.steps.length - ok} of ${report.steps.length} steps did NOT go as expected:`);
    for (const f of report.failures) lines.push(`  - ${f}`);
  }
  if (report.files["deletionReceipt"] && report.files["deviceKey"] && report.files["audit"]) {
    lines.push(
      "",
      "Check the evidence yourself:",
      `  npx facegate receipt verify ${report.files["deletionReceipt"]} --device-key ${report.files["deviceKey"]}`,
      `  npx facegate audit verify ${report.files["audit"]} --device-key ${report.files["deviceKey"]}`,
    );
  } else lines.push("Run with --out DIR to keep the receipts, the audit export and the device key, and check them with facegate receipt/audit verify.");
  return lines.join("\n");
}
