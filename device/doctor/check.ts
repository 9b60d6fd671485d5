/**
 * What `facegate doctor` is made of: a list of checks, each answering one question about
 * a terminal ("is the key file private?") with a status, what it found, and, whenever it
 * is not ok, what to do about it. Drivers add their own checks (driver-checks.ts).
 *
 * - `fail`: the gate cannot work as configured (doctor exits 1);
 * - `warn`: it works, but something needs attention (doctor exits 0);
 * - `ok`.
 *
 * A check never changes the terminal: it reads, connects and closes. Details name files,
 * modes, addresses and counts; never a key, a card number, a PIN or a face.
 */

export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** status === "ok". */
  ok: boolean;
  /** What was found, in one line. */
  detail: string;
  /** What to do: present whenever status is not ok. */
  fix?: string;
}

/** What a check returns; the runner adds its name. */
export type CheckOutcome = { status: "ok"; detail: string } | { status: "warn" | "fail"; detail: string; fix: string };

export interface DoctorCheck {
  name: string;
  run(): Promise<CheckOutcome> | CheckOutcome;
}

export const pass = (detail: string): CheckOutcome => ({ status: "ok", detail });
export const warn = (detail: string, fix: string): CheckOutcome => ({ status: "warn", detail, fix });
export const fail = (detail: string, fix: string): CheckOutcome => ({ status: "fail", detail, fix });

/** Runs the checks one after the other; a check that throws is a failure that says so. */
export async function runChecks(checks: readonly DoctorCheck[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    let outcome: CheckOutcome;
    try {
      outcome = await check.run();
    } catch (err) {
      outcome = fail(`the check itself failed: ${err instanceof Error ? err.message : String(err)}`, "report this with the output of facegate doctor --json");
    }
    results.push({ name: check.name, ok: outcome.status === "ok", ...outcome });
  }
  return results;
}

export interface DoctorReport {
  /** No check failed (warnings allowed). */
  ok: boolean;
  failures: number;
  warnings: number;
  checks: CheckResult[];
}

export function summarize(checks: CheckResult[]): DoctorReport {
  const failures = checks.filter((c) => c.status === "fail").length;
  const warnings = checks.filter((c) => c.status === "warn").length;
  return { ok: failures === 0, failures, warnings, checks };
}

const LABEL: Record<CheckStatus, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL" };

/** One line per check: status, name, what was found and, if not ok, what to do. */
export function formatCheck(c: CheckResult, nameWidth: number): string {
  return `${LABEL[c.status]}  ${c.name.padEnd(nameWidth)}  ${c.detail}${c.fix ? ` -> ${c.fix}` : ""}`;
}
