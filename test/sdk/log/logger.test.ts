import { describe, expect, it } from "vitest";
import { ConsentError, FacegateError } from "../../../sdk/errors.js";
import { MemoryLogSink, REDACTED, createLogger } from "../../../sdk/log/logger.js";

function logger() {
  const mem = new MemoryLogSink();
  return { mem, log: createLogger({ sink: mem.sink, namespace: "vault", level: "debug" }) };
}

/** Secrets of every kind the device handles, written as text the way a careless caller would. */
const CARD = "CAFE4321";
const DECIMAL_CARD = "582046";
const HEX_CARD = "a1b2c3d4";
const PIN = "4321";
const LONG_PIN = "559173";
const EMBEDDING = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i + 1) / 16);
const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256);
const KEY_BASE64 = Buffer.from(KEY).toString("base64");
const KEY_BASE64URL = Buffer.from(KEY).toString("base64url");
const KEY_HEX = Buffer.from(KEY).toString("hex");
const IMAGE = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, ...Array.from({ length: 64 }, (_, i) => (i * 91) % 256)]);
const IMAGE_DATA_URL = `data:image/jpeg;base64,${IMAGE.toString("base64")}`;
const EMBEDDING_TEXT = Array.from(EMBEDDING.slice(0, 16), (v) => v.toFixed(4)).join(",");
const EMBEDDING_JSON = JSON.stringify(Array.from(EMBEDDING.slice(0, 16)));
const EMBEDDING_ROUNDED = Array.from(EMBEDDING.slice(0, 16), (v) => v.toFixed(2)).join(", ");

/** What a text sink would show of each secret: any of these in the output is a leak. */
const NEEDLES = [CARD, DECIMAL_CARD, HEX_CARD, PIN, LONG_PIN, KEY_BASE64.slice(0, 12), KEY_BASE64URL.slice(0, 12), KEY_HEX.slice(0, 12), IMAGE.toString("base64").slice(0, 12), EMBEDDING_TEXT.slice(0, 13), EMBEDDING_ROUNDED.slice(0, 16), String(EMBEDDING[0]).slice(0, 8), EMBEDDING[0]!.toFixed(4)];

type Call = { level: "info" | "warn" | "error"; message: string; fields?: Record<string, unknown> };

/** Every secret under innocent and under suggestive names, as fields, in messages and nested in errors. */
function secretCalls(): Call[] {
  const calls: Call[] = [];
  const textSecrets = { CARD, DECIMAL_CARD, HEX_CARD, PIN, LONG_PIN, KEY_BASE64, KEY_BASE64URL, KEY_HEX, IMAGE_DATA_URL, EMBEDDING_TEXT, EMBEDDING_JSON, EMBEDDING_ROUNDED };
  for (const [what, s] of Object.entries(textSecrets)) {
    // Suggestive names, innocent names, and allow-listed names used by mistake.
    calls.push({ level: "info", message: "fields", fields: { cardNumber: s, pin: s, secretKey: s, embedding: s, image: s, value: s, note: s, subject: s, personRef: s, keyId: s, version: s, reason: s, count: s, what } });
    calls.push({ level: "warn", message: `message holding ${s}` });
    calls.push({ level: "error", message: "failed", fields: { error: new Error(`could not use ${s} here`) } });
    calls.push({ level: "error", message: "failed", fields: { error: new FacegateError("something_failed", `refused ${s}`, { pin: s, card: s }, { cause: new Error(s) }) } });
    calls.push({ level: "error", message: "failed", fields: { error: new ConsentError("consent_invalid", "no consent", { embedding: s }) } });
  }
  for (const value of [EMBEDDING, KEY, IMAGE, Array.from(EMBEDDING), Array.from(KEY), { card: CARD, pin: PIN }, new Map([["pin", PIN]]), [CARD], new Set([CARD])]) {
    calls.push({ level: "info", message: "binary and structures", fields: { embedding: value, value, templates: value, keyId: value, cardCount: value, personRef: value } });
  }
  calls.push({ level: "info", message: "numbers", fields: { value: Number(DECIMAL_CARD), pin: Number(PIN), code: Number(LONG_PIN), liveness: 0.93, similarity: 0.61, x: EMBEDDING[3]! } });
  return calls;
}

/** What a sink that wrote its input as it is would show: typed arrays as numbers, errors with details and cause. */
function unredacted(calls: readonly Call[]): string {
  const show = (_k: string, v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) return Array.from(v as Uint8Array);
    if (v instanceof Map || v instanceof Set) return [...v];
    if (v instanceof Error) return { message: v.message, details: (v as FacegateError).details, cause: String((v as { cause?: unknown }).cause) };
    return v;
  };
  return calls.map((c) => `${c.message} ${JSON.stringify(c.fields ?? {}, show)}`).join("\n");
}

describe("logger: secrets never reach a sink (L4)", () => {
  it("redacts card numbers, PINs, embeddings, keys and images under any field name, in messages and nested in errors", () => {
    const { mem, log } = logger();
    const calls = secretCalls();
    for (const c of calls) log[c.level](c.message, c.fields);
    expect(mem.records.length).toBe(calls.length);
    const text = mem.text();
    for (const needle of NEEDLES) expect(text, needle).not.toContain(needle);
    // Numbers that could be a PIN, a card number or a score are not written either.
    for (const r of mem.records) for (const v of Object.values(r.fields)) if (typeof v === "number") expect(Math.abs(v)).toBeLessThan(1000);
    expect(text).toContain(REDACTED);
  });

  it("positive control: the same calls written as they are show every secret, so the search above can fail", () => {
    const text = unredacted(secretCalls());
    for (const needle of NEEDLES) expect(text, needle).toContain(needle);
  });

  it("redacts long and hostile input, and a secret cut in two where a long text is cut", () => {
    const { mem, log } = logger();
    const blob = KEY_BASE64.repeat(100).slice(0, 4093);
    log.info(`${blob} ${DECIMAL_CARD}`, { value: "7".repeat(100_000), note: Array.from({ length: 5000 }, (_, i) => String(i % 10)).join(" "), reason: `${"a1".repeat(50_000)}!` });
    const [r] = mem.records;
    expect(r!.message).toBe(`${REDACTED} ${REDACTED}`);
    expect(r!.fields).toEqual({ value: REDACTED, note: REDACTED, reason: `${REDACTED}` });
  });

  it("writes an error as its code and message only: details and cause stay behind", () => {
    const { mem, log } = logger();
    log.error("deletion failed", { error: new FacegateError("deletion_invalid", "subjectId: required", { subjectId: "s-1", pin: PIN }, { cause: new Error(`inner ${CARD}`) }) });
    expect(mem.records[0]!.fields).toEqual({ error: "deletion_invalid: subjectId: required" });
  });

  it("never writes binary values, vectors or secret-named fields (L4)", () => {
    const mem = new MemoryLogSink();
    const log = createLogger({ sink: mem.sink, namespace: "vault", level: "debug" });
    log.info("enrolled", {
      subject: "s-1",
      embedding: new Float32Array([0.1, 0.2]),
      vector: [0.1, 0.2],
      cardNumber: "12345678",
      pin: "4321",
      masterKey: "abc",
      image: Buffer.from([1, 2, 3]),
      anything: new Uint8Array([9, 9]),
      nested: { a: 1 },
      count: 3,
    });
    const rec = mem.records[0]!;
    expect(rec.namespace).toBe("vault");
    expect(rec.fields).toEqual({
      subject: "s-1",
      embedding: REDACTED,
      vector: REDACTED,
      cardNumber: REDACTED,
      pin: REDACTED,
      masterKey: REDACTED,
      image: REDACTED,
      anything: REDACTED,
      nested: REDACTED,
      count: 3,
    });
    expect(mem.text()).not.toMatch(/12345678|4321|0\.1/);
  });
});

describe("logger: what the device did is written as it is", () => {
  const uuid = "3f2a9c1e-7b4d-4e8a-9f3c-1a2b3c4d5e6f";
  const keyId = "0123456789abcdef0123456789abcdef";

  it("start-up: key id, vault figures and durations", () => {
    const { mem, log } = logger();
    log.info("secure store open", { keyId });
    log.info("vault loaded", { subjects: 120, templates: 2400, quarantined: 0, decryptedIn: "worker", ms: 1843 });
    log.info("decrypting templates", { done: 12_000, total: 100_000 });
    log.info("gate started", { gate: "lobby", face: "available", mqtt: "on", mode: "face_or_card_or_pin", privacyMenu: "wired" });
    log.info("processing notice published from the configuration", { version: "2026-03" });
    log.warn("commands interrupted by a restart were answered command_interrupted", { count: 2 });
    log.info("face pipeline ready", { models: 4 });
    expect(mem.records.map((r) => r.fields)).toEqual([
      { keyId },
      { subjects: 120, templates: 2400, quarantined: 0, decryptedIn: "worker", ms: 1843 },
      { done: 12_000, total: 100_000 },
      { gate: "lobby", face: "available", mqtt: "on", mode: "face_or_card_or_pin", privacyMenu: "wired" },
      { version: "2026-03" },
      { count: 2 },
      { models: 4 },
    ]);
  });

  it("deletion and enrollment: subject, trigger, template figures, receipt and template ids", () => {
    const { mem, log } = logger();
    log.info("subject deleted", { subjectId: "p-res-1", trigger: "consent_withdrawn", templates: 3 });
    log.info("enrolled", { subjectId: "p-res-1", count: 2 });
    log.info("privacy", { templateId: uuid, receiptId: uuid, templatesDeleted: 3 });
    log.warn("subject quarantined after an integrity failure", { subjectId: "s-7", reason: "integrity_template" });
    expect(mem.records.map((r) => r.fields)).toEqual([
      { subjectId: "p-res-1", trigger: "consent_withdrawn", templates: 3 },
      { subjectId: "p-res-1", count: 2 },
      { templateId: uuid, receiptId: uuid, templatesDeleted: 3 },
      { subjectId: "s-7", reason: "integrity_template" },
    ]);
  });

  it("command handling: command ids, types, codes, people by reference, credential counts, time windows", () => {
    const { mem, log } = logger();
    log.info("person set", { personRef: "p-res-1", credentialCount: 2 });
    log.info("person result", { cardCount: 1, hasPin: true });
    log.info("access ended", { personRef: "p-res-1", receiptId: uuid });
    log.info("at-gate enrollment requested", { subjectId: "p-res-1", consentId: uuid, commandId: uuid, windowEndsAt: 1_767_225_600_000 });
    log.info("enrolled from a sealed photo", { subjectId: "p-res-1", consentId: uuid, commandId: uuid, added: 1 });
    log.info("gate policies set", { version: 7, gates: 2 });
    log.warn("command rejected", { code: "command_replayed", commandId: uuid });
    log.error("command handler failed", { commandType: "person.upsert", error: new Error("boom") });
    log.info("identical command re-sent; returning its stored result", { commandId: uuid });
    log.debug("reconnecting", { delayMs: 1500, attempt: 3 });
    log.info("republishing from the oldest pending event", { reason: "connection closed", inFlight: 128 });
    log.warn("ignored a message on the result topic", { commandId: uuid, why: "a result for another command" });
    expect(mem.records.map((r) => r.fields)).toEqual([
      { personRef: "p-res-1", credentialCount: 2 },
      { cardCount: 1, hasPin: true },
      { personRef: "p-res-1", receiptId: uuid },
      { subjectId: "p-res-1", consentId: uuid, commandId: uuid, windowEndsAt: 1_767_225_600_000 },
      { subjectId: "p-res-1", consentId: uuid, commandId: uuid, added: 1 },
      { version: 7, gates: 2 },
      { code: "command_replayed", commandId: uuid },
      { commandType: "person.upsert", error: "boom" },
      { commandId: uuid },
      { delayMs: 1500, attempt: 3 },
      { reason: "connection closed", inFlight: 128 },
      { commandId: uuid, why: "a result for another command" },
    ]);
  });

  it("an error's code and message print; only the secret-shaped part of a message is replaced", () => {
    const { mem, log } = logger();
    log.error("expiry sweep failed", { error: new FacegateError("store_open_failed", "cannot open database /var/lib/facegate/device.db: SQLITE_BUSY") });
    log.warn("connection error", { error: new Error(`card ${CARD} refused at gate lobby`) });
    expect(mem.records.map((r) => r.fields["error"])).toEqual(["store_open_failed: cannot open database /var/lib/facegate/device.db: SQLITE_BUSY", `card ${REDACTED} refused at gate lobby`]);
  });
});

describe("logger", () => {
  it("children are namespaced and levels filter", () => {
    const mem = new MemoryLogSink();
    const log = createLogger({ sink: mem.sink, namespace: "gate", level: "info" }).child("camera");
    log.debug("hidden");
    log.warn("shown");
    expect(mem.records.map((r) => [r.namespace, r.message])).toEqual([["gate.camera", "shown"]]);
  });
});
