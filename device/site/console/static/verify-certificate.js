// The in-browser check of a site deletion certificate: the same rules as
// sdk/site/certificate verifyCertificate (format, site key, site signature, each gate's key
// id, one receipt per gate signed by THAT gate's key named in the certificate, same site,
// same subject, not before the request, times). Ed25519 through crypto.subtle where the
// browser has it, else the vendored verifier (ed25519.js). Every problem is listed with its path.
import { ed25519Verify } from "./ed25519.js";

export const CERTIFICATE_FORMAT = "facegate-site-deletion-certificate/1";
export const CERTIFICATE_CONTEXT = "facegate/site-deletion-certificate/1\n";
export const RECEIPT_FORMAT = "facegate-deletion-receipt/1";
const RECEIPT_CLOCK_TOLERANCE_MS = 60_000;
const OPAQUE = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_ID = /^[0-9a-f]{32}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const REASONS = ["resident_request", "consent_withdrawn", "court_order", "end_of_tenancy"];
const TRIGGERS = ["deletion_request", "consent_withdrawn", "consent_expired", "access_ended"];
const TOP = ["format", "certificateId", "siteId", "deletionRequestId", "subjectRef", "reason", "requestedAt", "completedAt", "issuedAt", "gates", "receipts", "site", "signature"];
const RECEIPT = ["format", "receiptId", "siteId", "processorId", "subjectRef", "trigger", "requestedBy", "deleted", "at", "audit", "deviceKeyId", "signature"];

/** RFC 8785 canonical JSON for plain JSON values (what facegate signs). */
export function canonicalJson(v) {
  if (v === null) return "null";
  if (typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error("non-finite number");
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  throw new Error(`unsupported ${typeof v}`);
}

function b64(s, length) {
  if (typeof s !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return length === undefined || out.length === length ? out : undefined;
  } catch {
    return undefined;
  }
}

async function keyIdFor(publicKey) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", publicKey));
  return [...d.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether this browser's WebCrypto verifies Ed25519 (Chromium 137+). */
export async function subtleHasEd25519() {
  try {
    await crypto.subtle.importKey("raw", new Uint8Array(32).fill(1), { name: "Ed25519" }, false, ["verify"]);
    return true;
  } catch {
    return false;
  }
}

function verifierFor(engine) {
  if (engine === "vendored") return ed25519Verify;
  return async (sig, msg, key) => {
    try {
      const k = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, k, sig, msg);
    } catch {
      return false;
    }
  };
}

const utf8 = (s) => new TextEncoder().encode(s);
const iso = (ms) => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const int = (v) => Number.isSafeInteger(v);

function exactKeys(v, keys, path, add) {
  if (!isObj(v)) return add("format", path, "must be an object"), false;
  for (const k of keys) if (!(k in v)) return add("format", `${path}.${k}`, "is missing"), false;
  for (const k of Object.keys(v)) if (!keys.includes(k)) return add("format", `${path}.${k}`, "is not a field of this format"), false;
  return true;
}

function receiptShape(r, path, add) {
  if (!exactKeys(r, RECEIPT, path, add)) return false;
  const bad = (f, m) => (add("format", `${path}.${f}`, m), false);
  if (r.format !== RECEIPT_FORMAT) return bad("format", `must be ${RECEIPT_FORMAT}`);
  for (const f of ["receiptId", "siteId", "processorId"]) if (typeof r[f] !== "string" || !OPAQUE.test(r[f])) return bad(f, "must be an opaque id");
  if (typeof r.subjectRef !== "string" || r.subjectRef.length < 1 || r.subjectRef.length > 128) return bad("subjectRef", "must be a subject reference");
  if (!TRIGGERS.includes(r.trigger)) return bad("trigger", "is not a deletion trigger");
  if (typeof r.requestedBy !== "string" || r.requestedBy.length < 1 || r.requestedBy.length > 128) return bad("requestedBy", "must be text");
  if (!exactKeys(r.deleted, ["templates", "dataKeys", "consentsEnded"], `${path}.deleted`, add)) return false;
  for (const f of ["templates", "dataKeys", "consentsEnded"]) if (!int(r.deleted[f]) || r.deleted[f] < 0) return bad(`deleted.${f}`, "must be a count");
  if (!int(r.at)) return bad("at", "must be an integer time");
  if (!exactKeys(r.audit, ["seq", "hash"], `${path}.audit`, add)) return false;
  if (!int(r.audit.seq) || r.audit.seq < 1) return bad("audit.seq", "must be an audit position");
  if (typeof r.audit.hash !== "string" || !SHA256_HEX.test(r.audit.hash)) return bad("audit.hash", "must be a SHA-256 (hex)");
  if (typeof r.deviceKeyId !== "string" || !KEY_ID.test(r.deviceKeyId)) return bad("deviceKeyId", "must be a key id");
  if (typeof r.signature !== "string" || r.signature.length > 100) return bad("signature", "must be a signature");
  return true;
}

/** The first shape problem, in document order (as the offline verifier's schema check reports it). */
function shapeOk(doc, add) {
  const bad = (path, m) => (add("format", path, m), false);
  if (!exactKeys(doc, TOP, "(root)", add)) return false;
  if (doc.format !== CERTIFICATE_FORMAT) return bad("format", `must be ${CERTIFICATE_FORMAT}`);
  for (const f of ["certificateId", "siteId", "deletionRequestId", "subjectRef"]) if (typeof doc[f] !== "string" || !OPAQUE.test(doc[f])) return bad(f, "must be an opaque id");
  if (!REASONS.includes(doc.reason)) return bad("reason", "is not a deletion reason");
  for (const f of ["requestedAt", "completedAt", "issuedAt"]) if (!int(doc[f]) || doc[f] < 946_684_800_000 || doc[f] > 7_258_118_400_000) return bad(f, "must be a time between 2000 and 2200 (ms)");
  if (!Array.isArray(doc.gates) || doc.gates.length < 1 || doc.gates.length > 1000) return bad("gates", "must list 1 to 1000 gates");
  for (const [i, g] of doc.gates.entries()) {
    if (!exactKeys(g, ["gateId", "keyId", "signingPublicKey"], `gates[${i}]`, add)) return false;
    if (typeof g.gateId !== "string" || !OPAQUE.test(g.gateId)) return bad(`gates[${i}].gateId`, "must be an opaque id");
    if (typeof g.keyId !== "string" || !KEY_ID.test(g.keyId)) return bad(`gates[${i}].keyId`, "must be a key id");
    if (!b64(g.signingPublicKey, 32)) return bad(`gates[${i}].signingPublicKey`, "must be a 32-byte key in base64");
  }
  if (!Array.isArray(doc.receipts) || doc.receipts.length < 1 || doc.receipts.length > 1000) return bad("receipts", "must list 1 to 1000 receipts");
  for (const [i, r] of doc.receipts.entries()) {
    if (!exactKeys(r, ["gateId", "receipt"], `receipts[${i}]`, add)) return false;
    if (typeof r.gateId !== "string" || !OPAQUE.test(r.gateId)) return bad(`receipts[${i}].gateId`, "must be an opaque id");
    if (!receiptShape(r.receipt, `receipts[${i}].receipt`, add)) return false;
  }
  if (!exactKeys(doc.site, ["keyId", "publicKey"], "site", add)) return false;
  if (typeof doc.site.keyId !== "string" || !KEY_ID.test(doc.site.keyId)) return bad("site.keyId", "must be a key id");
  if (!b64(doc.site.publicKey, 32)) return bad("site.publicKey", "must be a 32-byte key in base64");
  if (!b64(doc.signature, 64)) return bad("signature", "must be a 64-byte signature in base64");
  return true;
}

/**
 * Checks a certificate (parsed JSON, or its file bytes) against the site's public key
 * (32 bytes), as `facegate site verify-certificate` does. engine: "subtle" | "vendored" | "auto".
 */
export async function verifyCertificate(input, siteKey, o = {}) {
  const engine = o.engine === "vendored" || o.engine === "subtle" ? o.engine : (await subtleHasEd25519()) ? "subtle" : "vendored";
  const verify = verifierFor(engine);
  const problems = [];
  const add = (code, path, message) => problems.push({ code, path, message });
  let doc = input;
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    try {
      doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(input));
    } catch (e) {
      add("format", "(file)", `${e instanceof SyntaxError ? "not JSON" : "not UTF-8 text"}: not a site deletion certificate`);
      return { ok: false, engine, problems };
    }
  }
  if (!(siteKey instanceof Uint8Array) || siteKey.length !== 32) {
    add("site_key", "(site key)", "the site key given is not a 32-byte Ed25519 public key");
    return { ok: false, engine, problems };
  }

  // The site signature over the context and the canonical body, asked whatever the shape.
  const signatureOk = async (d) => {
    const sig = isObj(d) ? b64(d.signature, 64) : undefined;
    if (!sig) return add("signature", "signature", "no site signature"), false;
    let bytes;
    try {
      const { signature: _s, ...body } = d;
      bytes = utf8(CERTIFICATE_CONTEXT + canonicalJson(body));
    } catch {
      return add("signature", "signature", "the content cannot be put in canonical form"), false;
    }
    if (!(await verify(sig, bytes, siteKey))) return add("signature", "signature", "the site signature does not match the content and the site key given"), false;
    return true;
  };

  if (!shapeOk(doc, add)) {
    await signatureOk(doc);
    return { ok: false, engine, problems };
  }

  const givenB64 = btoa(String.fromCharCode(...siteKey));
  const givenId = await keyIdFor(siteKey);
  if (doc.site.publicKey !== givenB64) add("site_key", "site.publicKey", `the certificate names site key ${doc.site.keyId}, the key given is ${givenId}`);
  else if (doc.site.keyId !== givenId) add("site_key", "site.keyId", `site key id ${doc.site.keyId} is not the fingerprint of the site key (${givenId})`);
  await signatureOk(doc);

  // The gates: distinct ids and keys, key ids that are the keys' fingerprints.
  const gateIndex = new Map();
  const gateByKeyId = new Map();
  const keys = [];
  for (const [i, g] of doc.gates.entries()) {
    if (gateIndex.has(g.gateId)) add("gate_duplicate", `gates[${i}].gateId`, `gate ${g.gateId} is listed twice`);
    else gateIndex.set(g.gateId, i);
    const key = b64(g.signingPublicKey, 32);
    keys[i] = key;
    if (!key) {
      add("gate_key", `gates[${i}].signingPublicKey`, `gate ${g.gateId}: not an Ed25519 public key (32 bytes)`);
      continue;
    }
    const id = await keyIdFor(key);
    if (g.keyId !== id) add("gate_key", `gates[${i}].keyId`, `gate ${g.gateId}: key id ${g.keyId} is not the fingerprint of its key (${id})`);
    const other = gateByKeyId.get(id);
    if (other !== undefined && other !== g.gateId) add("gate_duplicate", `gates[${i}].signingPublicKey`, `gates ${other} and ${g.gateId} share one key`);
    else gateByKeyId.set(id, g.gateId);
  }

  // The receipts: one per gate, each that gate's own signed statement about this deletion.
  const answered = new Set();
  const receiptIds = new Map();
  let processor;
  const ats = [];
  for (const [j, entry] of doc.receipts.entries()) {
    const path = `receipts[${j}]`;
    const i = gateIndex.get(entry.gateId);
    if (i === undefined) {
      add("receipt_unexpected", `${path}.gateId`, `a receipt for gate ${entry.gateId}, which is not an expected gate`);
      continue;
    }
    if (answered.has(entry.gateId)) {
      add("receipt_duplicate", `${path}.gateId`, `a second receipt for gate ${entry.gateId}`);
      continue;
    }
    answered.add(entry.gateId);
    const r = entry.receipt; // its shape was checked with the document's
    ats.push(r.at);
    const key = keys[i];
    if (key) {
      const pinnedId = await keyIdFor(key);
      if (r.deviceKeyId !== pinnedId) {
        const signer = gateByKeyId.get(r.deviceKeyId);
        if (signer !== undefined) add("receipt_wrong_gate", `${path}.receipt.deviceKeyId`, `the receipt for gate ${entry.gateId} is signed by gate ${signer}: a gate answering for another gate`);
        else add("receipt_unverified", `${path}.receipt.deviceKeyId`, `the receipt for gate ${entry.gateId} names device key ${r.deviceKeyId}, not the gate's key ${pinnedId}`);
      } else {
        const { signature, ...body } = r;
        const sig = b64(signature, 64);
        if (!sig || !(await verify(sig, utf8(canonicalJson(body)), key))) add("receipt_unverified", `${path}.receipt.signature`, `the receipt for gate ${entry.gateId} does not verify against its gate's key`);
      }
    }
    if (r.siteId !== doc.siteId) add("receipt_wrong_site", `${path}.receipt.siteId`, `the receipt for gate ${entry.gateId} is from site ${r.siteId}, not ${doc.siteId}`);
    if (r.subjectRef !== doc.subjectRef) add("receipt_wrong_subject", `${path}.receipt.subjectRef`, `the receipt for gate ${entry.gateId} is about another subject`);
    if (r.at < doc.requestedAt - RECEIPT_CLOCK_TOLERANCE_MS) add("receipt_stale", `${path}.receipt.at`, `the receipt for gate ${entry.gateId} is from ${iso(r.at)}, before the request of ${iso(doc.requestedAt)}`);
    const seen = receiptIds.get(r.receiptId);
    if (seen !== undefined) add("receipt_duplicate", `${path}.receipt.receiptId`, `gate ${entry.gateId} presents receipt ${r.receiptId}, already given for gate ${seen}`);
    else receiptIds.set(r.receiptId, entry.gateId);
    if (processor === undefined) processor = { id: r.processorId, gateId: entry.gateId };
    else if (r.processorId !== processor.id) add("receipt_processor", `${path}.receipt.processorId`, `gate ${entry.gateId} names processor ${r.processorId}, gate ${processor.gateId} names ${processor.id}`);
  }
  for (const [i, g] of doc.gates.entries()) if (gateIndex.get(g.gateId) === i && !answered.has(g.gateId)) add("receipt_missing", `gates[${i}]`, `no receipt from gate ${g.gateId}`);

  if (ats.length > 0) {
    const latest = Math.max(...ats);
    if (doc.completedAt !== latest) add("times", "completedAt", `completedAt ${iso(doc.completedAt)} is not the latest receipt (${iso(latest)})`);
    if (doc.issuedAt < latest - RECEIPT_CLOCK_TOLERANCE_MS) add("times", "issuedAt", `issued ${iso(doc.issuedAt)}, before the last receipt (${iso(latest)})`);
  }
  if (doc.issuedAt < doc.requestedAt) add("times", "issuedAt", `issued ${iso(doc.issuedAt)}, before the request of ${iso(doc.requestedAt)}`);
  return problems.length === 0 ? { ok: true, engine, problems, certificate: doc } : { ok: false, engine, problems };
}
