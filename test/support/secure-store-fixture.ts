/**
 * Shared set-up for secure-store tests: a real SQLite file and key file in a temp dir,
 * real libsodium, a ManualClock, and an in-memory TemplateSink that records what it got.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsentInput } from "../../sdk/consent/consent-policy.js";
import { FileKeyProvider } from "../../sdk/crypto/key-provider.js";
import { MemoryEventRecorder } from "../../sdk/events/event.js";
import { MemoryLogSink, createLogger } from "../../sdk/log/logger.js";
import type { TemplateSink } from "../../sdk/matcher/template-sink.js";
import { type SecureStore, type SecureStoreConfig, openSecureStore } from "../../sdk/privacy/secure-store.js";
import { ManualClock } from "../../sdk/time/clock.js";

export const DAY = 86_400_000;
export const START = Date.UTC(2026, 0, 1);

export class RecordingSink implements TemplateSink {
  readonly templates = new Map<string, Map<string, Float32Array>>();
  /** Every copy it has made, so a test can see that removed ones were overwritten. */
  private readonly held: Float32Array[] = [];
  add(subjectId: string, templateId: string, embedding: Float32Array): void {
    let m = this.templates.get(subjectId);
    if (!m) this.templates.set(subjectId, (m = new Map()));
    const copy = new Float32Array(embedding);
    this.held.push(copy);
    m.get(templateId)?.fill(0);
    m.set(templateId, copy);
  }
  remove(subjectId: string): void {
    this.templates.get(subjectId)?.forEach((v) => v.fill(0));
    this.templates.delete(subjectId);
  }
  count(): number {
    let n = 0;
    for (const m of this.templates.values()) n += m.size;
    return n;
  }
  /** Whether any copy it has made still holds these values. */
  holds(embedding: Float32Array): boolean {
    return this.held.some((v) => v.length === embedding.length && v.every((x, i) => x === embedding[i]));
  }
}

/** A RecordingSink that also logs every call in order, with the bytes it was given, and keeps the caller's arrays to check they were wiped. */
export class CallLog extends RecordingSink {
  readonly calls: string[] = [];
  readonly given: Float32Array[] = [];
  override add(subjectId: string, templateId: string, e: Float32Array): void {
    this.calls.push(`add ${subjectId} ${templateId} ${Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString("base64")}`);
    this.given.push(e);
    super.add(subjectId, templateId, e);
  }
  override remove(subjectId: string): void {
    this.calls.push(`remove ${subjectId}`);
    super.remove(subjectId);
  }
}

export const testConfig: SecureStoreConfig = { siteId: "site-1", processorId: "proc-1", gateIds: ["gate-a", "gate-b"], maxConsentDays: 365, maxMinorConsentDays: 90 };

export interface Fixture {
  dir: string;
  dbPath: string;
  keyPath: string;
  clock: ManualClock;
  sink: RecordingSink;
  events: MemoryEventRecorder;
  logs: MemoryLogSink;
  store: SecureStore;
  noticeHash: string;
  reopen(): Promise<SecureStore>;
}

export function tempDir(prefix = "fg-store-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function openFixture(options: { dir?: string; config?: Partial<SecureStoreConfig>; clock?: ManualClock } = {}): Promise<Fixture> {
  const dir = options.dir ?? tempDir();
  const dbPath = join(dir, "device.db");
  const keyPath = join(dir, "keys", "master.key");
  const clock = options.clock ?? new ManualClock(START);
  const sink = new RecordingSink();
  const events = new MemoryEventRecorder();
  const logs = new MemoryLogSink();
  const open = (): Promise<SecureStore> =>
    openSecureStore({
      dbPath,
      keyProvider: new FileKeyProvider({ path: keyPath }),
      clock,
      logger: createLogger({ sink: logs.sink, level: "debug" }),
      sink,
      events,
      config: { ...testConfig, ...options.config },
    });
  const store = await open();
  const noticeHash = store.consents.publishNotice(sampleNotice()).hash;
  return { dir, dbPath, keyPath, clock, sink, events, logs, store, noticeHash, reopen: open };
}

export function sampleNotice(version = 1): Parameters<SecureStore["consents"]["publishNotice"]>[0] {
  return {
    version,
    language: "zh-CN",
    purpose: "Verify residents at the building entrance",
    method: "Face template compared on the door terminal only",
    scope: "Site site-1, gates gate-a and gate-b",
    retention: "Until consent ends, at most 365 days",
    contact: "privacy@example.invalid",
    rights: "Withdraw at any time at the gate or the property office; a card or PIN always works",
  };
}

export function consentInput(f: Pick<Fixture, "clock" | "noticeHash">, subjectId: string, over: Partial<ConsentInput> = {}): ConsentInput {
  return {
    subjectId,
    siteId: "site-1",
    processorId: "proc-1",
    gateIds: ["gate-a"],
    purpose: "entry_verification",
    noticeHash: f.noticeHash,
    separate: true,
    method: "written",
    evidenceRef: "sha256:" + "ab".repeat(32),
    collectedBy: "staff-7",
    expiresAt: f.clock.now() + 30 * DAY,
    ...over,
  };
}

/** A deterministic pseudo-random embedding (not a face; the vault does not care). */
export function embedding(seed: number): Float32Array {
  const e = new Float32Array(512);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < 512; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    e[i] = x / 2147483648 - 0.5;
  }
  return e;
}
