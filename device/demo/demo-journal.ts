/**
 * What the demo reports: one step per thing that happens, with what was expected and
 * what actually happened. A step is `ok` only when the observed outcome is the expected
 * one; a known limit of the product (e.g. what the liveness model cannot tell) is stated
 * in `limit`, never hidden and never counted as a pass it did not earn.
 */
import { isFacegateError } from "../../sdk/errors.js";

export type DemoScene = "setup" | "office" | "door" | "proof";

export interface DemoDecision {
  granted: boolean;
  method: string;
  reason: string;
  personRef: string | null;
}

export interface DemoStep {
  scene: DemoScene;
  /** Who acts, e.g. "Penny (r-102)", "operator (admin key)". Names are for this printout only. */
  who: string;
  /** What they do. */
  action: string;
  expected: string;
  /** What happened, in words. */
  outcome: string;
  ok: boolean;
  /** A limit of the product that this step shows, stated plainly. */
  limit?: string;
  /** The gate's decision, if it made one. */
  decision?: DemoDecision | null;
  /** What the gate's display showed during the step (receipts in full). */
  display?: string[];
  /** Facts worth a line of their own (receipt id, timing, counts). */
  facts?: Record<string, string | number | boolean>;
}

export interface StepOutcome {
  ok: boolean;
  outcome: string;
  limit?: string;
  decision?: DemoDecision | null;
  display?: string[];
  facts?: Record<string, string | number | boolean>;
}

export class DemoJournal {
  readonly steps: DemoStep[] = [];

  constructor(private readonly onStep?: (step: DemoStep) => void) {}

  /** Runs one step; an exception is that step's failure (the story goes on). */
  async step(scene: DemoScene, who: string, action: string, expected: string, run: () => Promise<StepOutcome>): Promise<DemoStep> {
    let result: StepOutcome;
    try {
      result = await run();
    } catch (err) {
      result = { ok: false, outcome: `error ${isFacegateError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err)}` };
    }
    const step: DemoStep = { scene, who, action, expected, ...result };
    this.steps.push(step);
    this.onStep?.(step);
    return step;
  }

  get failures(): string[] {
    return this.steps.filter((s) => !s.ok).map((s) => `${s.who} ${s.action}: expected ${s.expected}, got ${s.outcome}`);
  }

  get limits(): string[] {
    return this.steps.flatMap((s) => (s.limit ? [s.limit] : []));
  }
}

/** "granted by face (r-101)", "denied: liveness_failed (face)". */
export function describeDecision(d: DemoDecision | null | undefined): string {
  if (!d) return "no decision";
  return d.granted ? `granted by ${d.method}${d.personRef ? ` (${d.personRef})` : ""}` : `denied: ${d.reason} (${d.method})`;
}
