/**
 * The site service's part in template sync (issue 14; L5, L6): it relays sealed template
 * packages between the gates of the site and keeps track of them, without ever being able
 * to open one.
 *
 * - `pushGateList` queues `site.gates` (every registered gate with its pinned keys) for
 *   every gate: the list a gate seals templates for and accepts them from. The service's
 *   key must be an admin key at the gates.
 * - An enrollment at a gate (its signed `privacy.enrollment` event, stored once) queues an
 *   `export` at that gate for the other gates of the subject's current consent scope. The
 *   gate answers with one package per receiving gate, sealed to that gate's key and signed
 *   by its own; each becomes `template` work for its receiver (`template.install`, signed
 *   by the service's key, the package inside). Per gate the work shows installed
 *   (applied), pending or failed with the gate's code (`sync_model_mismatch`, ...).
 * - Packages are held in memory only until installed or failed: the service's database
 *   holds package ids, never a package (it could not read one anyway).
 * - `mustReEnroll` lists residents whose packages gates refused for their face model:
 *   they must come to a gate or the office again; no photo is kept to do it for them.
 *
 * Nothing here reads a template; the packages are opaque to this code except for their
 * addressing fields, which the service checks against what it asked for.
 */
import { type CommandBodies, type CommandResultMessage, type EventMessage, type TemplatePackage, TemplatePackageSchema } from "../../protocol/index.js";
import { compileChecker } from "../../schema/schema-check.js";
import type { Clock } from "../../time/clock.js";
import type { Logger } from "../../log/logger.js";
import { SITE_GATES_SUBJECT, type SiteStore, type WorkKey, type WorkRow } from "../store/site-store.js";
import { SiteServiceError } from "./site-service-error.js";

const checkPackage = compileChecker(TemplatePackageSchema, { error: (message) => new SiteServiceError("site_package_refused", message) });

export interface TemplateRelayOptions {
  siteId: string;
  store: SiteStore;
  clock: Clock;
  logger: Logger;
  /** Queues work (the service's own queue: a new generation of the item). */
  queue(input: WorkKey & { ref?: string | null }): Promise<WorkRow>;
  kick(gateId: string): void;
}

/** Per receiving gate, what became of a subject's templates. */
export interface TemplateSyncState {
  gateId: string;
  state: "installed" | "pending" | "failed";
  error?: { code: string; message: string };
}

export interface ReEnrollment {
  subjectRef: string;
  /** Gates that refused the resident's templates for their face model. */
  gates: string[];
  /** Every gate the templates were sent to refused them. */
  noGateCanUse: boolean;
}

const keyOf = (k: WorkKey): string => `${k.gateId}\u0000${k.subjectRef}`;

export class TemplateRelay {
  private readonly packages = new Map<string, TemplatePackage>();
  /** Packages relayed (installed or not), and export answers refused for addressing. */
  relayed = 0;
  refusedPackages = 0;

  constructor(private readonly o: TemplateRelayOptions) {}

  /** `site.gates` to every registered gate. */
  async pushGateList(): Promise<string[]> {
    const gates = await this.o.store.listGates();
    for (const g of gates) await this.o.queue({ subjectRef: SITE_GATES_SUBJECT, gateId: g.gateId, kind: "gates" });
    for (const g of gates) this.o.kick(g.gateId);
    return gates.map((g) => g.gateId);
  }

  /** The body of `site.gates`, built when sent: the registry's pinned keys now. */
  async gateList(): Promise<CommandBodies["site.gates"]> {
    const gates = await this.o.store.listGates();
    return { version: this.o.clock.now(), gates: gates.map((g) => ({ gateId: g.gateId, signingPublicKey: g.signPublicKey, boxPublicKey: g.boxPublicKey })) };
  }

  /** A stored gate event: an enrollment at a gate that holds the site's gate list starts its sync. */
  async onEvent(e: EventMessage): Promise<void> {
    if (e.type !== "privacy.enrollment") return;
    const subject = (e.data as { subjectId?: unknown }).subjectId;
    if (typeof subject !== "string") return;
    await this.syncFrom(subject, e.gate);
  }

  /** Queues the export of the subject's templates at `fromGate` for the other gates of the current consent's scope; returns them. */
  async syncFrom(subject: string, fromGate: string): Promise<string[]> {
    if (await this.o.store.isTombstoned(subject)) return [];
    // Sync is on for a gate once it holds the site's gate list (a site without sync enrolls from the office at every gate).
    const list = await this.o.store.getWork({ subjectRef: SITE_GATES_SUBJECT, gateId: fromGate, kind: "gates" });
    if (list?.state !== "applied") return [];
    const targets = await this.targets(subject, fromGate);
    if (targets.length === 0) return [];
    const consent = await this.currentConsent(subject);
    await this.o.queue({ subjectRef: subject, gateId: fromGate, kind: "export", ...(consent ? { ref: consent.id } : {}) });
    this.o.kick(fromGate);
    return targets;
  }

  /** The body of `template.export`, built when sent (the scope as it is then). */
  async exportBody(item: WorkRow): Promise<CommandBodies["template.export"]> {
    const gates = await this.targets(item.subjectRef, item.gateId);
    if (gates.length === 0) throw new SiteServiceError("site_scope_empty", `no other gate of ${item.subjectRef}'s consent scope to sync to`);
    return { subjectRef: item.subjectRef, gates };
  }

  /** The package a `template` item carries, while the service holds it. */
  packageFor(item: WorkKey): TemplatePackage | undefined {
    return this.packages.get(keyOf(item));
  }

  /**
   * An `export` answered ok: each package (addressed as asked: this site, this subject,
   * from the gate that answered, to a gate of the registry) becomes `template` work for
   * its receiver. Anything else in the answer is refused and counted.
   */
  async exported(item: WorkRow, result: CommandResultMessage): Promise<void> {
    const answer = result.result as { packages?: unknown } | undefined;
    const list = Array.isArray(answer?.packages) ? answer.packages : [];
    const known = new Set((await this.o.store.listGates()).map((g) => g.gateId));
    for (const raw of list) {
      let pkg: TemplatePackage;
      try {
        pkg = checkPackage(raw, "package");
      } catch {
        this.refusedPackages++;
        continue;
      }
      if (pkg.site !== this.o.siteId || pkg.subjectRef !== item.subjectRef || pkg.from !== item.gateId || !known.has(pkg.to) || pkg.to === item.gateId) {
        this.refusedPackages++;
        this.o.logger.warn("refused a package addressed otherwise than asked", { gate: item.gateId, packageId: pkg.packageId });
        continue;
      }
      const key: WorkKey = { subjectRef: pkg.subjectRef, gateId: pkg.to, kind: "template" };
      this.packages.set(keyOf(key), pkg);
      await this.o.queue({ ...key, ref: pkg.packageId });
      this.relayed++;
      this.o.kick(pkg.to);
    }
  }

  /** A `template` item ended (installed or failed): the package is dropped. */
  settled(key: WorkKey): void {
    if (key.kind === "template") this.packages.delete(keyOf(key));
  }

  /** Drops what is held for a subject (its deletion was requested). */
  forget(subject: string): void {
    for (const [k, p] of this.packages) if (p.subjectRef === subject) this.packages.delete(k);
  }

  /** Per receiving gate: installed, pending or failed (with the gate's code). */
  async status(subject: string): Promise<TemplateSyncState[]> {
    return (await this.o.store.workOf(subject))
      .filter((w) => w.kind === "template")
      .map((w) => ({
        gateId: w.gateId,
        state: w.state === "applied" ? "installed" : w.state === "failed" ? "failed" : "pending",
        ...(w.state === "failed" ? { error: { code: w.errorCode ?? "site_work_failed", message: w.errorMessage ?? "" } } : {}),
      }));
  }

  /** Residents whose templates gates refused for their face model (issue 14 item 5). */
  async mustReEnroll(): Promise<ReEnrollment[]> {
    const out: ReEnrollment[] = [];
    for (const person of await this.o.store.listPeople()) {
      const sent = (await this.o.store.workOf(person.subjectRef)).filter((w) => w.kind === "template");
      const refused = sent.filter((w) => w.state === "failed" && w.errorCode === "sync_model_mismatch").map((w) => w.gateId);
      if (refused.length > 0) out.push({ subjectRef: person.subjectRef, gates: refused.sort(), noGateCanUse: refused.length === sent.length });
    }
    return out;
  }

  private async currentConsent(subject: string) {
    const now = this.o.clock.now();
    const consents = (await this.o.store.consentsOf(subject)).filter((c) => c.withdrawnAt === null && c.expiresAt > now);
    return consents.sort((a, b) => b.recordedAt - a.recordedAt)[0];
  }

  /** The other registered gates of the subject's current consent scope. */
  private async targets(subject: string, fromGate: string): Promise<string[]> {
    const consent = await this.currentConsent(subject);
    if (!consent) return [];
    const known = new Set((await this.o.store.listGates()).map((g) => g.gateId));
    return (await this.o.store.resolveScope(consent.scope)).filter((g) => g !== fromGate && known.has(g)).sort();
  }
}
