/**
 * Work shared by several service instances on one database (issue 13 item 5): each
 * instance takes a gate's next item with the store's `claimWork` lease, so two instances
 * never send the same item. The claim is renewed while the command is in flight (every
 * third of the lease), and stays on the item once it is sent, so the other instance does
 * not put it back to pending (`requeueSent` with a holder) while its answer may still come.
 * An instance killed with kill -9 renews nothing: its claims run out after one lease and
 * the other instance picks the items up (and, for sent ones, re-sends them: the gate is
 * idempotent by command id; a re-signed command is a new id, applied once the content
 * has not moved on).
 */
import type { Clock } from "../../time/clock.js";
import type { Timers } from "../../time/timers.js";
import type { SiteStore, WorkKey, WorkRow } from "../store/site-store.js";

export interface WorkClaimsOptions {
  store: SiteStore;
  clock: Clock;
  timers: Timers;
  /** This instance's id (one per process). */
  holder: string;
  leaseMs: number;
}

export class WorkClaims {
  constructor(private readonly o: WorkClaimsOptions) {}

  get holder(): string {
    return this.o.holder;
  }

  /** The gate's next pending item, claimed for this instance (none: nothing left that is not someone else's). */
  async next(gateId: string): Promise<WorkRow | undefined> {
    const [item] = await this.o.store.claimWork(gateId, { holder: this.o.holder, leaseMs: this.o.leaseMs, limit: 1, at: this.o.clock.now() });
    return item;
  }

  /** Renews the claim now (false: it is no longer ours, do not send) and then every third of the lease until the returned stop is called. */
  async hold(key: WorkKey): Promise<{ held: boolean; release(): void }> {
    const renew = (): Promise<boolean> => this.o.store.renewClaim(key, { holder: this.o.holder, leaseMs: this.o.leaseMs, at: this.o.clock.now() });
    if (!(await renew())) return { held: false, release: () => undefined };
    let stopped = false;
    let timer: unknown;
    const again = (): void => {
      timer = this.o.timers.setTimer(() => {
        if (stopped) return;
        void renew()
          .catch(() => false)
          .finally(() => {
            if (!stopped) again();
          });
      }, Math.max(1, Math.floor(this.o.leaseMs / 3)));
    };
    again();
    return {
      held: true,
      release: () => {
        stopped = true;
        this.o.timers.clearTimer(timer);
      },
    };
  }

  /** Sent work of a gate back to pending, except what another instance holds under a live claim. */
  requeueSent(gateId: string): Promise<number> {
    return this.o.store.requeueSent(gateId, this.o.clock.now(), { holder: this.o.holder });
  }
}
