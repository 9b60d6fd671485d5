import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LoadTally, PROGRESS_EVERY } from "../../../sdk/vault/load-tally.js";
import { type DecryptionPlace, type LoadSummary, loadVault } from "../../../sdk/vault/vault-loader.js";
import { MemoryKeyProvider } from "../../support/memory-key-provider.js";
import { MemoryLogSink, createLogger } from "../../../sdk/log/logger.js";
import { openSecureStore } from "../../../sdk/privacy/secure-store.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { CallLog, type Fixture, RecordingSink, START, consentInput, embedding, openFixture, sampleNotice, testConfig } from "../../support/secure-store-fixture.js";

const FAILING_WORKER = fileURLToPath(new URL("../../support/failing-decrypt-worker.mjs", import.meta.url));

const subject = (i: number) => `s${String(i).padStart(2, "0")}`;

async function vault(subjects: number, perSubject = 2): Promise<Fixture> {
  const f = await openFixture();
  for (let i = 0; i < subjects; i++) {
    f.store.consents.give(consentInput(f, subject(i)));
    f.store.vault.enroll({ subjectId: subject(i), gateId: "gate-a", embeddings: Array.from({ length: perSubject }, (_, t) => embedding(i * 10 + t)) });
  }
  return f;
}

/** Every kind of tampering the loader must catch, plus a subject quarantined before. */
function tamper(f: Fixture): string[] {
  const db = f.store.db;
  const templates = (s: string) => db.prepare("SELECT id, nonce, ciphertext FROM templates WHERE subject_id = ? ORDER BY rowid").all(s) as Array<{ id: string; nonce: Buffer; ciphertext: Buffer }>;
  const putTemplate = db.prepare("UPDATE templates SET nonce = ?, ciphertext = ? WHERE id = ?");
  // A bit flip in the second template: the first is already in the sink and must go again.
  const flipped = templates("s03")[1]!;
  flipped.ciphertext[200] = flipped.ciphertext[200]! ^ 0x04;
  putTemplate.run(flipped.nonce, flipped.ciphertext, flipped.id);
  // Ciphertexts swapped between two subjects.
  const [a, b] = [templates("s05")[0]!, templates("s06")[0]!];
  putTemplate.run(b.nonce, b.ciphertext, a.id);
  putTemplate.run(a.nonce, a.ciphertext, b.id);
  // Wrapped keys swapped between two subjects.
  const key = db.prepare("SELECT wrapped_key, nonce FROM subject_keys WHERE subject_id = ?");
  const putKey = db.prepare("UPDATE subject_keys SET wrapped_key = ?, nonce = ? WHERE subject_id = ?");
  const [ka, kb] = [key.get("s08") as { wrapped_key: Buffer; nonce: Buffer }, key.get("s09") as { wrapped_key: Buffer; nonce: Buffer }];
  putKey.run(kb.wrapped_key, kb.nonce, "s08");
  putKey.run(ka.wrapped_key, ka.nonce, "s09");
  // A template claiming another key version; a subject key claiming another version.
  db.prepare("UPDATE templates SET key_version = 2 WHERE id = ?").run(templates("s11")[1]!.id);
  db.prepare("UPDATE subject_keys SET key_version = 3 WHERE subject_id = 's17'").run();
  // Quarantined before this load: skipped without being opened.
  f.store.vault.quarantine("s13", "integrity_template");
  // A template whose subject has no key at all (only possible with foreign keys off).
  db.pragma("foreign_keys = OFF");
  const t = templates("s20")[0]!;
  db.prepare("INSERT INTO templates (id, subject_id, key_version, nonce, ciphertext, gate_id, created_at) VALUES ('ghost-t', 'ghost', 1, ?, ?, 'gate-a', 0)").run(t.nonce, t.ciphertext);
  db.pragma("foreign_keys = ON");
  return ["ghost", "s03", "s05", "s06", "s08", "s09", "s11", "s13", "s17"];
}

function load(f: Fixture, decryptIn: DecryptionPlace, extra: { workerFile?: string } = {}): { summary: LoadSummary; sink: CallLog; keys: Uint8Array[]; progress: Array<{ done: number; total: number }> } {
  const sink = new CallLog();
  const keys: Uint8Array[] = [];
  const progress: Array<{ done: number; total: number }> = [];
  const hierarchy = f.store.keys;
  const unwrap = hierarchy.unwrapDataKey.bind(hierarchy);
  hierarchy.unwrapDataKey = (binding, wrapped) => {
    const k = unwrap(binding, wrapped);
    keys.push(k);
    return k;
  };
  try {
    const summary = loadVault({ db: f.store.db, keys: hierarchy, sink, decryptIn, onProgress: (p) => progress.push(p), ...extra });
    return { summary, sink, keys, progress };
  } finally {
    hierarchy.unwrapDataKey = unwrap;
  }
}

const comparable = (s: LoadSummary) => ({ subjects: s.subjects, templates: s.templates, quarantined: s.quarantined, failures: [...s.failures].sort() });

describe("vault loader", () => {
  it("L5 the worker path gives exactly the main-thread result, tampering included, call for call", async () => {
    const f = await vault(30);
    const tampered = tamper(f);
    const reference = load(f, "main-thread");
    const worker = load(f, "worker");
    expect(reference.summary.decryptedIn).toBe("main-thread");
    expect(worker.summary.decryptedIn).toBe("worker");
    expect(worker.summary.workerProblem).toBeUndefined();
    expect(reference.summary.quarantined).toEqual(tampered);
    expect(comparable(worker.summary)).toEqual(comparable(reference.summary));
    expect(Object.fromEntries(reference.summary.failures)).toEqual({
      ghost: "integrity_wrapped_key",
      s03: "integrity_template",
      s05: "integrity_template",
      s06: "integrity_template",
      s08: "integrity_wrapped_key",
      s09: "integrity_wrapped_key",
      s11: "integrity_template",
      s17: "integrity_wrapped_key",
    });
    // 30 subjects, 2 templates each, 8 of them tampered with or quarantined.
    expect(reference.summary).toMatchObject({ subjects: 22, templates: 44 });
    expect(worker.sink.calls).toEqual(reference.sink.calls);
    // s03's intact first template went in before its second failed, and came out again.
    expect(reference.sink.calls).toContain("remove s03");
    f.store.close();
  });

  it("L5 L6 both paths wipe every data key and every plaintext handed to the sink", async () => {
    const f = await vault(6);
    for (const place of ["main-thread", "worker"] as const) {
      const { summary, sink, keys } = load(f, place);
      expect(summary.decryptedIn).toBe(place);
      expect(keys).toHaveLength(6);
      expect(sink.given).toHaveLength(12);
      for (const k of keys) expect(k.every((b) => b === 0)).toBe(true);
      for (const e of sink.given) expect(e.every((v) => v === 0)).toBe(true);
    }
    f.store.close();
  });

  it("L5 through the vault on the worker path: tampered subjects are quarantined, the rest loads", async () => {
    const f = await vault(24);
    const tampered = tamper(f);
    const sink = new RecordingSink();
    const summary = f.store.vault.loadInto(sink, { decryptIn: "worker" });
    expect(summary.decryptedIn).toBe("worker");
    expect(summary.quarantined).toEqual(tampered);
    for (const s of tampered) {
      expect(sink.templates.has(s)).toBe(false);
      expect(f.store.vault.isQuarantined(s)).toBe(true);
    }
    for (let i = 0; i < 24; i++) if (!tampered.includes(subject(i))) expect(sink.templates.get(subject(i))?.size).toBe(2);
    expect(f.store.audit.verify().ok).toBe(true);
    f.store.close();
  });

  it("reports progress up to the number of templates, ending with done = total", async () => {
    const f = await vault(5, 3);
    for (const place of ["main-thread", "worker"] as const) {
      const { progress } = load(f, place);
      expect(progress.at(-1)).toEqual({ done: 15, total: 15 });
      for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    }
    f.store.close();
  });

  it("paces progress: every PROGRESS_EVERY templates at most, and once at the end", () => {
    const reports: number[] = [];
    const tally = new LoadTally({ sink: new CallLog(), total: 12_000, onProgress: (p) => reports.push(p.done) });
    for (let i = 0; i < 12_000; i++) tally.countUnloaded();
    tally.finish(new Set(), "main-thread");
    expect(reports).toContain(PROGRESS_EVERY);
    expect(reports).toContain(2 * PROGRESS_EVERY);
    expect(reports.at(-1)).toBe(12_000);
    for (let i = 1; i < reports.length; i++) expect(reports[i]! - reports[i - 1]!).toBeLessThanOrEqual(PROGRESS_EVERY);
  });

  it("loads a small vault on the main thread by default", async () => {
    const f = await vault(3);
    const { summary } = load(f, "auto");
    expect(summary).toMatchObject({ decryptedIn: "main-thread", subjects: 3, templates: 6 });
    expect(summary.workerProblem).toBeUndefined();
    f.store.close();
  });

  it("falls back to the main thread when the worker fails half-way, leaving nothing of it in the sink", async () => {
    const f = await vault(8);
    const reference = load(f, "main-thread");
    const fallback = load(f, "worker", { workerFile: FAILING_WORKER });
    expect(fallback.summary.decryptedIn).toBe("main-thread");
    expect(fallback.summary.workerProblem).toMatch(/failing on purpose/);
    expect(comparable(fallback.summary)).toEqual(comparable(reference.summary));
    // The worker's template went in and came out again before the main-thread load.
    expect(fallback.sink.calls.slice(0, 2)).toEqual([expect.stringMatching(/^add s00 made-up /), "remove s00"]);
    expect(fallback.sink.calls.slice(2)).toEqual(reference.sink.calls);
    for (const e of fallback.sink.given) expect(e.every((v) => v === 0)).toBe(true);
    f.store.close();
  });

  it("falls back to the main thread when the worker cannot be started (in-memory database)", async () => {
    const clock = new ManualClock(START);
    const logs = new MemoryLogSink();
    const store = await openSecureStore({ dbPath: ":memory:", keyProvider: new MemoryKeyProvider(), clock, logger: createLogger({ sink: logs.sink, level: "debug" }), sink: new RecordingSink(), config: testConfig });
    const noticeHash = store.consents.publishNotice(sampleNotice()).hash;
    store.consents.give(consentInput({ clock, noticeHash }, "s1"));
    store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1), embedding(2)] });
    const loaded = new RecordingSink();
    const summary = store.vault.loadInto(loaded, { decryptIn: "worker" });
    expect(summary).toMatchObject({ decryptedIn: "main-thread", subjects: 1, templates: 2 });
    expect(summary.workerProblem).toMatch(/in-memory/);
    expect(logs.text()).toMatch(/decrypt worker not used/);
    store.close();
  });
});
