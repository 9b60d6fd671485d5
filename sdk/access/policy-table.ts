/**
 * The gate policies as the gate reads them: a snapshot of the `access_gates` table, parsed
 * once per change instead of on every frame, card and key. The access store is the only
 * writer of the table (`AccessStore.loadPolicies`); it calls `replace` inside its
 * transaction, and `replace` drops the snapshot so the next read takes the new policies.
 *
 * A read inside a transaction is answered from the database and not kept: the change
 * may still roll back (an outer transaction that fails after `loadPolicies`), and a kept
 * snapshot would then name policies that were never committed.
 */
import type { GatePolicy } from "../policy/gate-policy.js";
import type { Db } from "../store/database.js";

function frozen(policy: GatePolicy): GatePolicy {
  Object.freeze(policy.lockout);
  return Object.freeze(policy);
}

export class PolicyTable {
  private snapshot: ReadonlyMap<string, GatePolicy> | null = null;

  constructor(private readonly db: Db) {}

  /** Every policy, by gate id in order. The policies are shared and frozen. */
  all(): GatePolicy[] {
    return [...this.current().values()];
  }

  get(gateId: string): GatePolicy | null {
    return this.current().get(gateId) ?? null;
  }

  /** Replaces every policy; runs inside the caller's transaction. */
  replace(policies: readonly GatePolicy[], now: number): void {
    this.snapshot = null;
    this.db.prepare("DELETE FROM access_gates").run();
    const insert = this.db.prepare("INSERT INTO access_gates (gate_id, policy, updated_at) VALUES (?, ?, ?)");
    for (const p of policies) insert.run(p.gateId, JSON.stringify(p), now);
  }

  private current(): ReadonlyMap<string, GatePolicy> {
    if (this.snapshot) return this.snapshot;
    const read = new Map(
      this.db
        .prepare<[], { gate_id: string; policy: string }>("SELECT gate_id, policy FROM access_gates ORDER BY gate_id")
        .all()
        .map((r) => [r.gate_id, frozen(JSON.parse(r.policy) as GatePolicy)] as const),
    );
    if (!this.db.inTransaction) this.snapshot = read;
    return read;
  }
}
