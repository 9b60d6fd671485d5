/**
 * The checks a site deletion certificate stands on, shared by issuing and verifying: the
 * expected gates are distinct (ids and keys), each has exactly one receipt, and each
 * receipt is that gate's own signed statement (verified against the gate's pinned key,
 * never a key taken from the receipt) that THIS subject was deleted at THIS site no
 * earlier than the request. Issuing refuses on the first problem; verifying lists them all.
 */
import { keyIdFor } from "../../crypto/keys.js";
import { verifyReceipt } from "../../crypto/signatures.js";
import { type DeletionReceipt, DeletionReceiptSchema, RECEIPT_CLOCK_TOLERANCE_MS } from "../../protocol/index.js";
import { compileChecker } from "../../schema/schema-check.js";
import type { CertificateProblem } from "./certificate-problem.js";

export interface BundleGate {
  gateId: string;
  /** The key id the certificate states for the gate (verify); keyIdFor(publicKey) when issuing. */
  keyId: string;
  /** The pinned Ed25519 signing public key; undefined when it is not a 32-byte key. */
  publicKey: Uint8Array | undefined;
}

export interface BundleInput {
  siteId: string;
  subjectRef: string;
  requestedAt: number;
  gates: readonly BundleGate[];
  receipts: ReadonlyArray<{ gateId: string; receipt: unknown }>;
}

class ShapeProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const checkReceiptShape = compileChecker(DeletionReceiptSchema, { error: (message, d) => new ShapeProblem(d.path, message) });

/** Every problem of the bundle, in document order; empty when it proves the deletion everywhere. */
export async function bundleProblems(input: BundleInput): Promise<CertificateProblem[]> {
  const problems: CertificateProblem[] = [];
  const add = (code: CertificateProblem["code"], path: string, message: string) => problems.push({ code, path, message });

  // The gates: distinct ids, distinct keys, key ids that are the keys' fingerprints.
  const gateIndex = new Map<string, number>();
  const gateByKeyId = new Map<string, string>();
  input.gates.forEach((gate, i) => {
    const path = `gates[${i}]`;
    if (gateIndex.has(gate.gateId)) add("gate_duplicate", `${path}.gateId`, `gate ${gate.gateId} is listed twice`);
    else gateIndex.set(gate.gateId, i);
    if (!gate.publicKey) {
      add("gate_key", `${path}.signingPublicKey`, `gate ${gate.gateId}: not an Ed25519 public key (32 bytes)`);
      return;
    }
    const keyId = keyIdFor(gate.publicKey);
    if (gate.keyId !== keyId) add("gate_key", `${path}.keyId`, `gate ${gate.gateId}: key id ${gate.keyId} is not the fingerprint of its key (${keyId})`);
    const other = gateByKeyId.get(keyId);
    if (other !== undefined && other !== gate.gateId) add("gate_duplicate", `${path}.signingPublicKey`, `gates ${other} and ${gate.gateId} share one key: one device could answer for both`);
    else gateByKeyId.set(keyId, gate.gateId);
  });

  // The receipts: one per expected gate, each that gate's own, about this deletion.
  const answered = new Set<string>();
  const receiptIds = new Map<string, string>();
  let processor: { id: string; gateId: string } | undefined;
  for (const [j, entry] of input.receipts.entries()) {
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
    let receipt: DeletionReceipt;
    try {
      receipt = checkReceiptShape(entry.receipt, `${path}.receipt`);
    } catch (err) {
      if (!(err instanceof ShapeProblem)) throw err;
      add("receipt_invalid", err.path || `${path}.receipt`, `gate ${entry.gateId}: not a deletion receipt (${err.message})`);
      continue;
    }
    problems.push(...(await receiptProblems(receipt, input.gates[i]!, gateByKeyId, input, `${path}.receipt`)));
    const seen = receiptIds.get(receipt.receiptId);
    if (seen !== undefined) add("receipt_duplicate", `${path}.receipt.receiptId`, `gate ${entry.gateId} presents receipt ${receipt.receiptId}, already given for gate ${seen}`);
    else receiptIds.set(receipt.receiptId, entry.gateId);
    if (processor === undefined) processor = { id: receipt.processorId, gateId: entry.gateId };
    else if (receipt.processorId !== processor.id) {
      add("receipt_processor", `${path}.receipt.processorId`, `gate ${entry.gateId} names processor ${receipt.processorId}, gate ${processor.gateId} names ${processor.id}`);
    }
  }
  input.gates.forEach((gate, i) => {
    if (gateIndex.get(gate.gateId) === i && !answered.has(gate.gateId)) add("receipt_missing", `gates[${i}]`, `no receipt from gate ${gate.gateId}`);
  });
  return problems;
}

async function receiptProblems(receipt: DeletionReceipt, gate: BundleGate, gateByKeyId: ReadonlyMap<string, string>, input: BundleInput, path: string): Promise<CertificateProblem[]> {
  const out: CertificateProblem[] = [];
  const pinned = gate.publicKey;
  if (pinned === undefined) return out; // reported with the gate
  const pinnedId = keyIdFor(pinned);
  if (receipt.deviceKeyId !== pinnedId) {
    const signer = gateByKeyId.get(receipt.deviceKeyId);
    out.push(
      signer !== undefined
        ? { code: "receipt_wrong_gate", path: `${path}.deviceKeyId`, message: `the receipt for gate ${gate.gateId} is signed by gate ${signer}: a gate answering for another gate` }
        : { code: "receipt_unverified", path: `${path}.deviceKeyId`, message: `the receipt for gate ${gate.gateId} names device key ${receipt.deviceKeyId}, not the gate's pinned key ${pinnedId}` },
    );
  } else {
    const verified = await verifyReceipt(receipt, pinned);
    if (!verified.ok) out.push({ code: "receipt_unverified", path: `${path}.signature`, message: `the receipt for gate ${gate.gateId} does not verify against its pinned key: ${verified.reason}` });
  }
  if (receipt.siteId !== input.siteId) out.push({ code: "receipt_wrong_site", path: `${path}.siteId`, message: `the receipt for gate ${gate.gateId} is from site ${receipt.siteId}, not ${input.siteId}` });
  if (receipt.subjectRef !== input.subjectRef) {
    out.push({ code: "receipt_wrong_subject", path: `${path}.subjectRef`, message: `the receipt for gate ${gate.gateId} is about another subject, not ${input.subjectRef}` });
  }
  if (receipt.at < input.requestedAt - RECEIPT_CLOCK_TOLERANCE_MS) {
    out.push({
      code: "receipt_stale",
      path: `${path}.at`,
      message: `the receipt for gate ${gate.gateId} is from ${isoTime(receipt.at)}, before the request of ${isoTime(input.requestedAt)}`,
    });
  }
  return out;
}

/** A time for a message; a number out of Date's range stays a number rather than throwing. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}
