/**
 * Site deletion certificates (issue 13, L7) over receipts of REAL gates: three gate
 * runtimes on simulated hardware, one site, one real broker; each deletes a resident on a
 * signed `subject.delete` and answers with its own signed receipt. The office issues one
 * certificate signed by the site key; anyone verifies it offline with the document and the
 * site public key alone.
 *
 * What must fail, fails: any byte of the file changed, any field changed, a wrong site key,
 * and (issuing refuses; verifying names it even in a document the site key signed) a
 * receipt about another subject, a gate answering for another gate, a missing receipt, a
 * receipt from another site or from before the request, a receipt that does not verify
 * against its gate's pinned key.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Signer, ed25519Signer, generateEd25519KeyPair, keyIdFor } from "../../../../sdk/crypto/keys.js";
import {
  type DeletionReceipt,
  RECEIPT_CLOCK_TOLERANCE_MS,
  SITE_CERTIFICATE_FORMAT,
  type SiteDeletionCertificate,
  certificateSigningBytes,
  toBase64,
} from "../../../../sdk/protocol/index.js";
import {
  CertificateError,
  type CertificateProblem,
  type CertificateRequest,
  type IssueCertificateOptions,
  issueCertificate,
  verifyCertificate,
  verifyCertificateBytes,
} from "../../../../sdk/site/certificate/index.js";
import { ManualClock } from "../../../../sdk/time/clock.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { repoRoot } from "../../../support/faces.js";
import { type ReceiptSite, startReceiptSite } from "./gate-receipts.js";

const HOUR = 3_600_000;

let broker: TestBroker;
let site: ReceiptSite;
let other: ReceiptSite;
let siteKey: Signer;
let requestedAt: number;
/** s-amy's receipts from the three gates (the request being certified). */
let amy: Array<{ gateId: string; receipt: DeletionReceipt }>;
/** s-ben's receipt from the first gate (another subject). */
let ben: DeletionReceipt;
/** s-amy's receipt from a gate of ANOTHER site. */
let foreign: { gateId: string; signingPublicKey: Uint8Array; receipt: DeletionReceipt };

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startReceiptSite({ broker, gates: 3 });
  other = await startReceiptSite({ broker, gates: 1 });
  const key = await generateEd25519KeyPair();
  siteKey = await ed25519Signer(key.secretKey);
  await site.register("s-amy");
  await site.register("s-ben");
  await other.register("s-amy");
  site.advance(60_000);
  requestedAt = site.now();
  site.advance(1_500);
  amy = await site.deleteEverywhere("s-amy");
  ben = await site.deleteAt(site.gates[0]!, "s-ben");
  foreign = { gateId: other.gates[0]!.gateId, signingPublicKey: other.gates[0]!.signingPublicKey, receipt: await other.deleteAt(other.gates[0]!, "s-amy") };
});
afterAll(async () => {
  await site?.close();
  await other?.close();
  await broker?.stop();
});

const request = (over: Partial<CertificateRequest> = {}): CertificateRequest => ({ requestId: "del-0042", siteId: site.siteId, subjectRef: "s-amy", reason: "court_order", requestedAt, ...over });
const pinned = () => site.gates.map((g) => ({ gateId: g.gateId, signingPublicKey: g.signingPublicKey }));

let ids = 0;
function issue(over: Partial<IssueCertificateOptions> = {}): Promise<SiteDeletionCertificate> {
  return issueCertificate({ request: request(), gates: pinned(), receipts: amy, siteKey, clock: new ManualClock(site.now() + 2_000), newId: () => `cert-${++ids}`, ...over });
}

async function refusal(p: Promise<unknown>): Promise<CertificateError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CertificateError) return err;
    throw err;
  }
  throw new Error("expected a CertificateError");
}

/** A certificate the site key DID sign, with content changed first: what a compromised or buggy issuer could produce. */
function resigned(cert: SiteDeletionCertificate, change: (c: SiteDeletionCertificate) => void, key: Signer = siteKey): SiteDeletionCertificate {
  const c = structuredClone(cert);
  change(c);
  const { signature: _s, ...body } = c;
  return { ...body, site: { keyId: key.keyId, publicKey: toBase64(key.publicKey) }, signature: toBase64(key.sign(certificateSigningBytes({ ...body, site: { keyId: key.keyId, publicKey: toBase64(key.publicKey) } }))) };
}

const codes = (problems: readonly CertificateProblem[]) => problems.map((p) => p.code);

/** Every leaf of a JSON value with its path, e.g. ["receipts", 0, "receipt", "at"]. */
function leaves(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (value !== null && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]));
  }
  return [path];
}

function changedAt(doc: unknown, path: ReadonlyArray<string | number>): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const v = node[last];
  if (typeof v === "number") node[last] = v + 1;
  else if (typeof v === "string") node[last] = v.length > 0 ? v.slice(0, -1) + (v.at(-1) === "A" ? "B" : "A") : "A";
  else if (typeof v === "boolean") node[last] = !v;
  else node[last] = "changed";
  return copy;
}

describe("a site deletion certificate over three real gates' receipts", () => {
  it("is issued from every gate's signed receipt and verifies offline with the site public key alone", async () => {
    expect(amy).toHaveLength(3);
    for (const { receipt } of amy) expect(receipt).toMatchObject({ subjectRef: "s-amy", siteId: site.siteId, trigger: "deletion_request", deleted: { consentsEnded: 1 } });

    const cert = await issue();
    expect(cert).toMatchObject({
      format: SITE_CERTIFICATE_FORMAT,
      siteId: site.siteId,
      deletionRequestId: "del-0042",
      subjectRef: "s-amy",
      reason: "court_order",
      requestedAt,
      completedAt: Math.max(...amy.map((r) => r.receipt.at)),
      issuedAt: site.now() + 2_000,
      site: { keyId: siteKey.keyId, publicKey: toBase64(siteKey.publicKey) },
    });
    const gateIds = site.gates.map((g) => g.gateId).sort();
    expect(cert.gates.map((g) => g.gateId)).toEqual(gateIds);
    expect(cert.receipts.map((r) => r.gateId)).toEqual(gateIds);
    for (const g of cert.gates) {
      const gate = site.gates.find((x) => x.gateId === g.gateId)!;
      expect(g).toEqual({ gateId: gate.gateId, keyId: keyIdFor(gate.signingPublicKey), signingPublicKey: toBase64(gate.signingPublicKey) });
      // The receipt inside is the gate's, byte for byte.
      expect(cert.receipts.find((r) => r.gateId === g.gateId)!.receipt).toEqual(amy.find((r) => r.gateId === g.gateId)!.receipt);
    }

    // Offline: from the file's bytes and the site public key, nothing else.
    const file = new TextEncoder().encode(JSON.stringify(cert, null, 2));
    const verified = await verifyCertificateBytes(file, { siteKey: siteKey.publicKey });
    expect(verified).toEqual({ ok: true, problems: [], certificate: cert });

    // The published JSON Schema accepts it, as a third party's validator would use it.
    const schema = JSON.parse(readFileSync(join(repoRoot, "sdk/protocol/schemas/site-deletion-certificate.schema.json"), "utf8")) as Record<string, unknown>;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(cert), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...cert, extra: 1 })).toBe(false);
  });

  it("fails when any byte of the file is changed: every position, every bit position in turn (figure printed)", async () => {
    const cert = await issue();
    for (const [label, text] of [
      ["compact", JSON.stringify(cert)],
      ["indented", JSON.stringify(cert, null, 2)],
    ] as const) {
      const bytes = new TextEncoder().encode(text);
      expect((await verifyCertificateBytes(bytes, { siteKey: siteKey.publicKey })).ok, "positive control: the unchanged file verifies").toBe(true);
      const started = performance.now();
      const accepted: number[] = [];
      let flips = 0;
      for (const sweep of [0, 1]) {
        for (let i = 0; i < bytes.length; i++) {
          const changed = bytes.slice();
          // Sweep 0 flips the lowest bit of every byte; sweep 1 flips bit (i mod 8) of byte i.
          changed[i]! ^= sweep === 0 ? 1 : 1 << i % 8;
          flips++;
          const r = await verifyCertificateBytes(changed, { siteKey: siteKey.publicKey });
          if (r.ok || r.problems.length === 0) accepted.push(i);
        }
      }
      const ms = performance.now() - started;
      console.info(`site certificate byte flips (${label}, 3 gates, ${bytes.length} bytes): ${flips} flipped files, ${accepted.length} accepted, ${(ms / flips).toFixed(2)} ms per verification`);
      expect(accepted).toEqual([]);
    }
  });

  it("fails when any field is changed, without re-signing; and names where", async () => {
    const cert = await issue();
    const paths = leaves(cert);
    expect(paths.length).toBeGreaterThan(60);
    const missed: string[] = [];
    for (const path of paths) {
      const r = await verifyCertificate(changedAt(cert, path), { siteKey: siteKey.publicKey });
      if (r.ok) missed.push(path.join("."));
      expect(r.problems.length).toBeGreaterThan(0);
    }
    expect(missed).toEqual([]);
    // A change to a receipt is named at the receipt as well as at the site signature.
    const r = await verifyCertificate(changedAt(cert, ["receipts", 1, "receipt", "deleted", "templates"]), { siteKey: siteKey.publicKey });
    expect(r.problems).toEqual([
      { code: "signature", path: "signature", message: expect.stringMatching(/does not match/) },
      { code: "receipt_unverified", path: "receipts[1].receipt.signature", message: expect.stringMatching(/does not verify against its pinned key/) },
    ]);
  });

  it("checks every receipt against its gate's key even in a document the site key signed", async () => {
    const cert = await issue();
    for (let i = 0; i < cert.receipts.length; i++) {
      // Each receipt's own signature, and each field it covers.
      for (const path of leaves(cert.receipts[i]!.receipt)) {
        const forged = resigned(cert, (c) => {
          const changed = changedAt(c.receipts[i]!.receipt, path) as DeletionReceipt;
          c.receipts[i]!.receipt = changed;
        });
        const r = await verifyCertificate(forged, { siteKey: siteKey.publicKey });
        expect(r.ok, `receipts[${i}].receipt.${path.join(".")}`).toBe(false);
        expect(codes(r.problems)).not.toContain("signature");
      }
      const forged = resigned(cert, (c) => {
        const sig = c.receipts[i]!.receipt.signature;
        c.receipts[i]!.receipt.signature = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
      });
      expect((await verifyCertificate(forged, { siteKey: siteKey.publicKey })).problems).toEqual([
        { code: "receipt_unverified", path: `receipts[${i}].receipt.signature`, message: expect.stringContaining(`gate ${cert.receipts[i]!.gateId}`) },
      ]);
    }
  });

  it("refuses a wrong site key, and a certificate re-signed by another key that carries that key inside", async () => {
    const cert = await issue();
    const stranger = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
    const wrong = await verifyCertificate(cert, { siteKey: stranger.publicKey });
    expect(codes(wrong.problems)).toEqual(["site_key", "signature"]);
    expect(wrong.problems[0]!.path).toBe("site.publicKey");

    // Someone re-signs the whole thing with their own key and puts their key in it: it
    // verifies only against their key, never against the site's.
    const impostor = resigned(cert, () => undefined, stranger);
    expect((await verifyCertificate(impostor, { siteKey: stranger.publicKey })).ok).toBe(true);
    expect(codes((await verifyCertificate(impostor, { siteKey: siteKey.publicKey })).problems)).toEqual(["site_key", "signature"]);

    // A key id that is not the fingerprint of the key.
    const badId = resigned(cert, () => undefined);
    badId.site.keyId = stranger.keyId;
    expect(codes((await verifyCertificate(badId, { siteKey: siteKey.publicKey })).problems)).toEqual(["site_key", "signature"]);
  });
});

describe("what is refused at issue, and named by the verifier", () => {
  it("a receipt swapped in from another subject", async () => {
    const swapped = amy.map((r, i) => (i === 0 ? { gateId: r.gateId, receipt: ben } : r));
    const err = await refusal(issue({ receipts: swapped }));
    expect(err.code).toBe("certificate_receipt_wrong_subject");
    expect(err.message).toMatch(/^receipts\[0\]\.receipt\.subjectRef: the receipt for gate gate-1-\S+ is about another subject, not s-amy$/);
    expect(err.details).toMatchObject({ path: "receipts[0].receipt.subjectRef", requestId: "del-0042" });

    const cert = await issue();
    const forged = resigned(cert, (c) => {
      const at = c.receipts.findIndex((r) => r.gateId === site.gates[0]!.gateId);
      c.receipts[at]!.receipt = ben;
    });
    const r = await verifyCertificate(forged, { siteKey: siteKey.publicKey });
    expect(r.ok).toBe(false);
    expect(codes(r.problems)).toContain("receipt_wrong_subject");
  });

  it("a gate answering for another gate", async () => {
    const [g1, g2] = site.gates;
    const receiptOf = (id: string) => amy.find((r) => r.gateId === id)!.receipt;
    // Gate 2's own receipt presented as gate 1's (and gate 2 answering for itself too).
    const err = await refusal(issue({ receipts: amy.map((r) => (r.gateId === g1!.gateId ? { gateId: g1!.gateId, receipt: receiptOf(g2!.gateId) } : r)) }));
    expect(err.code).toBe("certificate_receipt_wrong_gate");
    expect(err.message).toContain(`is signed by gate ${g2!.gateId}: a gate answering for another gate`);
    // Or the first found of two: gate 1's entry holds gate 2's receipt, whose id repeats.
    const twice = await refusal(issue({ receipts: [{ gateId: g1!.gateId, receipt: receiptOf(g2!.gateId) }, ...amy.filter((r) => r.gateId !== g1!.gateId)] }));
    expect(["certificate_receipt_wrong_gate", "certificate_receipt_duplicate"]).toContain(twice.code);

    // A site whose registry pins one device's key for two gates lets one device answer for both.
    const shared = await refusal(issue({ gates: pinned().map((g, i) => (i === 1 ? { ...g, signingPublicKey: site.gates[0]!.signingPublicKey } : g)) }));
    expect(shared.code).toBe("certificate_gate_duplicate");

    // In a document the site key signed: receipts swapped between two gates.
    const cert = await issue();
    const forged = resigned(cert, (c) => {
      const a = c.receipts.findIndex((r) => r.gateId === g1!.gateId);
      const b = c.receipts.findIndex((r) => r.gateId === g2!.gateId);
      [c.receipts[a]!.receipt, c.receipts[b]!.receipt] = [c.receipts[b]!.receipt, c.receipts[a]!.receipt];
    });
    const r = await verifyCertificate(forged, { siteKey: siteKey.publicKey });
    expect(codes(r.problems)).toEqual(["receipt_wrong_gate", "receipt_wrong_gate"]);
  });

  it("a missing receipt, a receipt for a gate not expected, two receipts for one gate, a gate listed twice", async () => {
    const missing = await refusal(issue({ receipts: amy.slice(1) }));
    expect(missing.code).toBe("certificate_receipt_missing");
    expect(missing.message).toContain(`no receipt from gate ${amy[0]!.gateId}`);

    const unexpected = await refusal(issue({ receipts: [...amy, { gateId: "gate-9", receipt: amy[0]!.receipt }] }));
    expect(unexpected.code).toBe("certificate_receipt_unexpected");

    const twice = await refusal(issue({ receipts: [...amy, amy[0]!] }));
    expect(twice.code).toBe("certificate_receipt_duplicate");

    const listedTwice = await refusal(issue({ gates: [...pinned(), pinned()[0]!] }));
    expect(listedTwice.code).toBe("certificate_gate_duplicate");

    // In documents the site key signed.
    const cert = await issue();
    const dropped = await verifyCertificate(resigned(cert, (c) => c.receipts.splice(1, 1)), { siteKey: siteKey.publicKey });
    expect(dropped.problems).toEqual([{ code: "receipt_missing", path: "gates[1]", message: `no receipt from gate ${cert.gates[1]!.gateId}` }]);
    const gateDropped = await verifyCertificate(
      resigned(cert, (c) => c.gates.splice(2, 1)),
      { siteKey: siteKey.publicKey },
    );
    expect(codes(gateDropped.problems)).toEqual(["receipt_unexpected"]);
  });

  it("a receipt from before the request (an earlier deletion), beyond the clock tolerance", async () => {
    const later = await refusal(issue({ request: request({ requestedAt: requestedAt + 2 * HOUR }), clock: new ManualClock(requestedAt + 3 * HOUR) }));
    expect(later.code).toBe("certificate_receipt_stale");
    expect(later.message).toMatch(/before the request of/);
    // A gate clock lagging by less than the tolerance is still this request's receipt.
    const earliest = Math.min(...amy.map((r) => r.receipt.at));
    const lagging = await issue({ request: request({ requestedAt: earliest + RECEIPT_CLOCK_TOLERANCE_MS - 1 }), clock: new ManualClock(earliest + 2 * RECEIPT_CLOCK_TOLERANCE_MS) });
    expect((await verifyCertificate(lagging, { siteKey: siteKey.publicKey })).ok).toBe(true);

    const cert = await issue();
    const forged = await verifyCertificate(resigned(cert, (c) => (c.requestedAt = requestedAt + 2 * HOUR)), { siteKey: siteKey.publicKey });
    expect(codes(forged.problems)).toEqual(["receipt_stale", "receipt_stale", "receipt_stale", "times"]);
  });

  it("a receipt from a gate of another site, even with that gate's key pinned", async () => {
    const err = await refusal(
      issue({ gates: [...pinned(), { gateId: foreign.gateId, signingPublicKey: foreign.signingPublicKey }], receipts: [...amy, { gateId: foreign.gateId, receipt: foreign.receipt }] }),
    );
    expect(err.code).toBe("certificate_receipt_wrong_site");
    expect(err.message).toContain(`is from site ${other.siteId}, not ${site.siteId}`);
  });

  it("a receipt that does not verify against its gate's pinned key", async () => {
    const edited = amy.map((r, i) => (i === 2 ? { gateId: r.gateId, receipt: { ...r.receipt, deleted: { ...r.receipt.deleted, templates: 1 } } } : r));
    const err = await refusal(issue({ receipts: edited }));
    expect(err.code).toBe("certificate_receipt_unverified");
    expect(err.message).toContain("does not verify against its pinned key");

    const fresh = await generateEd25519KeyPair();
    const repinned = await refusal(issue({ gates: pinned().map((g, i) => (i === 0 ? { ...g, signingPublicKey: fresh.publicKey } : g)) }));
    expect(repinned.code).toBe("certificate_receipt_unverified");
    expect(repinned.message).toContain(`not the gate's pinned key ${fresh.keyId}`);

    const notAKey = await refusal(issue({ gates: pinned().map((g, i) => (i === 0 ? { ...g, signingPublicKey: "c2hvcnQ=" } : g)) }));
    expect(notAKey.code).toBe("certificate_gate_key");

    const notAReceipt = await refusal(issue({ receipts: amy.map((r, i) => (i === 1 ? { gateId: r.gateId, receipt: { ...r.receipt, extra: true } } : r)) }));
    expect(notAReceipt.code).toBe("certificate_receipt_invalid");
    expect(notAReceipt.message).toMatch(/^receipts\[1\]\.receipt\.extra: .*unknown field/);
  });

  it("a request it cannot certify, and files that are not certificates", async () => {
    expect((await refusal(issue({ request: request({ reason: "because" as never }) }))).code).toBe("certificate_request");
    expect((await refusal(issue({ request: request({ subjectRef: "Amy Smith" }) }))).code).toBe("certificate_request");
    expect((await refusal(issue({ gates: [], receipts: [] }))).code).toBe("certificate_request");
    expect((await refusal(issue({ clock: new ManualClock(requestedAt - 1) }))).code).toBe("certificate_times");
    expect((await refusal(issue({ newId: () => "not an id" }))).code).toBe("certificate_request");

    const key = { siteKey: siteKey.publicKey };
    expect((await verifyCertificateBytes(new TextEncoder().encode("{"), key)).problems).toEqual([{ code: "format", path: "(file)", message: "not JSON: not a site deletion certificate" }]);
    expect((await verifyCertificateBytes(new Uint8Array([0x7b, 0xff, 0x7d]), key)).problems[0]).toMatchObject({ code: "format", message: /not UTF-8/ });
    const receiptAlone = await verifyCertificate(amy[0]!.receipt, key);
    expect(receiptAlone.problems[0]).toMatchObject({ code: "format" });
    expect((await verifyCertificate(null, key)).ok).toBe(false);
    expect((await verifyCertificate([], key)).ok).toBe(false);
  });
});
