/**
 * The console's in-browser certificate check (device/site/console/static/verify-certificate.js,
 * plain ES module: WebCrypto, atob, TextEncoder, so Node runs it as a browser would) finds
 * what the offline verifier (sdk/site/certificate verifyCertificate) finds, on a certificate
 * over three real gates' signed receipts: it accepts the genuine one and refuses every field
 * changed, every receipt field changed in a document the site key re-signed, a receipt of
 * another subject, of another site, of another gate, a missing one, a stale one, a wrong
 * site key, naming the same problems at the same paths. Both Ed25519 engines: WebCrypto's
 * and the vendored verifier (ed25519.js), itself checked against Node's Ed25519 on random
 * keys and messages, valid and broken.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ed25519Signer, generateEd25519KeyPair, type Signer } from "../../../../sdk/crypto/keys.js";
import { type DeletionReceipt, RECEIPT_CLOCK_TOLERANCE_MS, type SiteDeletionCertificate, certificateSigningBytes, toBase64 } from "../../../../sdk/protocol/index.js";
import { issueCertificate, verifyCertificate } from "../../../../sdk/site/certificate/index.js";
import { ManualClock } from "../../../../sdk/time/clock.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { repoRoot } from "../../../support/faces.js";
import { type ReceiptSite, startReceiptSite } from "../../../sdk/site/certificate/gate-receipts.js";

type Engine = "subtle" | "vendored";
interface BrowserVerdict {
  ok: boolean;
  engine: Engine;
  problems: Array<{ code: string; path: string; message: string }>;
}
const staticDir = join(repoRoot, "device/site/console/static");
const browser = (await import(pathToFileURL(join(staticDir, "verify-certificate.js")).href)) as {
  verifyCertificate(doc: unknown, siteKey: Uint8Array, o: { engine: Engine }): Promise<BrowserVerdict>;
};
const vendored = (await import(pathToFileURL(join(staticDir, "ed25519.js")).href)) as { ed25519Verify(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): Promise<boolean> };

let broker: TestBroker;
let site: ReceiptSite;
let other: ReceiptSite;
let siteKey: Signer;
let requestedAt: number;
let amy: Array<{ gateId: string; receipt: DeletionReceipt }>;
let ben: DeletionReceipt;
let foreign: DeletionReceipt;
let cert: SiteDeletionCertificate;

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startReceiptSite({ broker, gates: 3 });
  other = await startReceiptSite({ broker, gates: 1 });
  siteKey = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
  await site.register("s-amy");
  await site.register("s-ben");
  await other.register("s-amy");
  site.advance(60_000);
  requestedAt = site.now();
  site.advance(1_500);
  amy = await site.deleteEverywhere("s-amy");
  ben = await site.deleteAt(site.gates[0]!, "s-ben");
  foreign = await other.deleteAt(other.gates[0]!, "s-amy");
  cert = await issueCertificate({
    request: { requestId: "del-0042", siteId: site.siteId, subjectRef: "s-amy", reason: "court_order", requestedAt },
    gates: site.gates.map((g) => ({ gateId: g.gateId, signingPublicKey: g.signingPublicKey })),
    receipts: amy,
    siteKey,
    clock: new ManualClock(site.now() + 2_000),
    newId: () => "cert-1",
  });
}, 60_000);
afterAll(async () => {
  await site?.close();
  await other?.close();
  await broker?.stop();
});

const where = (problems: ReadonlyArray<{ code: string; path: string }>) => problems.map((p) => `${p.code} at ${p.path}`);

/** Both verifiers on one document: the same verdict, the same problems at the same paths. */
async function same(doc: unknown, engine: Engine, key: Uint8Array = siteKey.publicKey): Promise<{ ok: boolean; problems: string[] }> {
  const offline = await verifyCertificate(doc, { siteKey: key });
  const inBrowser = await browser.verifyCertificate(structuredClone(doc), key, { engine });
  expect(inBrowser.engine).toBe(engine);
  expect(inBrowser.ok).toBe(offline.ok);
  expect(where(inBrowser.problems)).toEqual(where(offline.problems));
  return { ok: offline.ok, problems: where(offline.problems) };
}

function resigned(c: SiteDeletionCertificate, change: (c: SiteDeletionCertificate) => void): SiteDeletionCertificate {
  const copy = structuredClone(c);
  change(copy);
  const { signature: _s, ...body } = copy;
  return { ...body, signature: toBase64(siteKey.sign(certificateSigningBytes(body))) };
}

function leaves(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (value !== null && typeof value === "object") return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]));
  return [path];
}

function changedAt<T>(doc: T, path: ReadonlyArray<string | number>): T {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const v = node[last];
  node[last] = typeof v === "number" ? v + 1 : typeof v === "string" ? (v.length > 0 ? v.slice(0, -1) + (v.at(-1) === "A" ? "B" : "A") : "A") : "changed";
  return copy as T;
}

describe.each(["subtle", "vendored"] as const)("the console's certificate check (%s Ed25519) against the offline verifier", (engine) => {
  it("accepts the genuine certificate, and refuses it under another site key", async () => {
    expect(await same(cert, engine)).toEqual({ ok: true, problems: [] });
    expect(await same(cert, engine, new Uint8Array(randomBytes(32)))).toEqual({ ok: false, problems: ["site_key at site.publicKey", "signature at signature"] });
  });

  it("refuses every field changed, naming the same problems", { timeout: 60_000 }, async () => {
    const paths = leaves(cert);
    expect(paths.length).toBeGreaterThan(60);
    for (const path of paths) expect({ path: path.join("."), ok: (await same(changedAt(cert, path), engine)).ok }).toEqual({ path: path.join("."), ok: false });
  });

  it("checks every receipt against its gate's key in a document the site key re-signed", { timeout: 60_000 }, async () => {
    for (let i = 0; i < cert.receipts.length; i++) {
      for (const path of leaves(cert.receipts[i]!.receipt)) {
        const forged = resigned(cert, (c) => void (c.receipts[i]!.receipt = changedAt(c.receipts[i]!.receipt, path)));
        const r = await same(forged, engine);
        expect({ at: `receipts[${i}].${path.join(".")}`, ok: r.ok, signature: r.problems.includes("signature at signature") }).toEqual({ at: `receipts[${i}].${path.join(".")}`, ok: false, signature: false });
      }
    }
  });

  it("names another subject's, another site's and another gate's receipt, a missing one and a stale one", async () => {
    const has = async (forged: SiteDeletionCertificate, ...problems: string[]) => expect((await same(forged, engine)).problems).toEqual(expect.arrayContaining(problems));
    await has(resigned(cert, (c) => void (c.receipts[0]!.receipt = structuredClone(ben))), "receipt_wrong_subject at receipts[0].receipt.subjectRef");
    await has(resigned(cert, (c) => void (c.receipts[1]!.receipt = structuredClone(foreign))), "receipt_unverified at receipts[1].receipt.deviceKeyId", "receipt_wrong_site at receipts[1].receipt.siteId");
    await has(resigned(cert, (c) => void (c.receipts[0]!.receipt = structuredClone(c.receipts[1]!.receipt))), "receipt_wrong_gate at receipts[0].receipt.deviceKeyId", "receipt_duplicate at receipts[1].receipt.receiptId");
    await has(resigned(cert, (c) => void c.receipts.splice(2, 1)), "receipt_missing at gates[2]");
    await has(resigned(cert, (c) => void (c.requestedAt = c.completedAt + RECEIPT_CLOCK_TOLERANCE_MS + 1)), ...cert.receipts.map((_, i) => `receipt_stale at receipts[${i}].receipt.at`));
  });
});

describe("the vendored Ed25519 verifier", () => {
  it("agrees with Node's Ed25519 on random keys and messages, valid and broken", { timeout: 60_000 }, async () => {
    let valid = 0;
    for (let i = 0; i < 60; i++) {
      const { publicKey, privateKey } = generateKeyPairSync("ed25519");
      const key = new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(12));
      const msg = new Uint8Array(randomBytes(i * 7));
      const sig = new Uint8Array(sign(null, msg, privateKey));
      expect(await vendored.ed25519Verify(sig, msg, key)).toBe(true);
      valid++;
      const badSig = sig.slice();
      badSig[i % 64]! ^= 1 << i % 8;
      expect(await vendored.ed25519Verify(badSig, msg, key)).toBe(false);
      if (msg.length > 0) {
        const badMsg = msg.slice();
        badMsg[i % msg.length]! ^= 0x80;
        expect(await vendored.ed25519Verify(sig, badMsg, key)).toBe(false);
      }
      const badKey = key.slice();
      badKey[i % 32]! ^= 2;
      expect(await vendored.ed25519Verify(sig, msg, badKey)).toBe(false);
      // s + L: the same point, a non-canonical scalar, refused (as libsodium does).
      const L = 2n ** 252n + 27742317777372353535851937790883648493n;
      let s = 0n;
      for (let b = 63; b >= 32; b--) s = (s << 8n) | BigInt(sig[b]!);
      s += L;
      const malleable = sig.slice();
      for (let b = 32; b < 64; b++) {
        malleable[b] = Number(s & 0xffn);
        s >>= 8n;
      }
      if (s === 0n) expect(await vendored.ed25519Verify(malleable, msg, key)).toBe(false);
    }
    expect(valid).toBe(60);
    expect(await vendored.ed25519Verify(new Uint8Array(63), new Uint8Array(0), new Uint8Array(32))).toBe(false);
  });

  it("passes RFC 8032 test 1 (the empty message)", async () => {
    const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
    const key = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const sig = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    expect(await vendored.ed25519Verify(sig, new Uint8Array(0), key)).toBe(true);
    expect(await vendored.ed25519Verify(sig, new Uint8Array(1), key)).toBe(false);
  });
});
