/**
 * A certificate for a 100-gate site (the size `facegate bench site` uses): how long issuing
 * and verifying take, and how large the file is (figures printed, "site certificate, 100
 * gates: ..."). The receipts here are signed with the project's own receipt signing
 * (crypto signReceipt) by 100 device keys rather than by 100 gate runtimes, which the site
 * service's tests run; the certificate code cannot tell the difference, and the bound
 * asserted is generous so that a loaded machine cannot make it flaky.
 */
import { describe, expect, it } from "vitest";
import { ed25519Signer, generateEd25519KeyPair } from "../../../../sdk/crypto/keys.js";
import { signReceipt } from "../../../../sdk/crypto/signatures.js";
import { RECEIPT_FORMAT } from "../../../../sdk/protocol/index.js";
import { issueCertificate, verifyCertificateBytes } from "../../../../sdk/site/certificate/index.js";
import { ManualClock } from "../../../../sdk/time/clock.js";

const GATES = 100;
const T0 = Date.UTC(2026, 2, 2, 9);

describe("a 100-gate site deletion certificate", () => {
  it("is issued and verified offline well within the 2 s deletion-to-certificate target (figures printed)", async () => {
    const gates = await Promise.all(Array.from({ length: GATES }, async (_, i) => ({ gateId: `gate-${String(i).padStart(3, "0")}`, signer: await ed25519Signer((await generateEd25519KeyPair()).secretKey) })));
    const receipts = gates.map((g, i) => ({
      gateId: g.gateId,
      receipt: signReceipt(
        {
          format: RECEIPT_FORMAT,
          receiptId: `r-${i}`,
          siteId: "estate-100",
          processorId: "acme-property",
          subjectRef: "s-4242",
          trigger: "deletion_request",
          requestedBy: "0123456789abcdef0123456789abcdef",
          deleted: { templates: 1, dataKeys: 1, consentsEnded: 1 },
          at: T0 + 200 + i,
          audit: { seq: 10 + i, hash: "ab".repeat(32) },
          deviceKeyId: g.signer.keyId,
        },
        g.signer,
      ),
    }));
    const siteKey = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
    const issueMs: number[] = [];
    const verifyMs: number[] = [];
    let bytes = new Uint8Array();
    for (let round = 0; round < 5; round++) {
      const a = performance.now();
      const cert = await issueCertificate({
        request: { requestId: `del-${round}`, siteId: "estate-100", subjectRef: "s-4242", reason: "resident_request", requestedAt: T0 },
        gates: gates.map((g) => ({ gateId: g.gateId, signingPublicKey: g.signer.publicKey })),
        receipts,
        siteKey,
        clock: new ManualClock(T0 + 1_000),
        newId: () => `cert-${round}`,
      });
      const b = performance.now();
      bytes = new TextEncoder().encode(JSON.stringify(cert));
      const r = await verifyCertificateBytes(bytes, { siteKey: siteKey.publicKey });
      const c = performance.now();
      expect(r.problems).toEqual([]);
      issueMs.push(b - a);
      verifyMs.push(c - b);
    }
    const worst = (xs: number[]) => Math.max(...xs).toFixed(1);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!.toFixed(1);
    console.info(`site certificate, ${GATES} gates: issue median ${median(issueMs)} ms (worst ${worst(issueMs)}), verify median ${median(verifyMs)} ms (worst ${worst(verifyMs)}), ${bytes.length} bytes`);
    expect(Math.max(...issueMs)).toBeLessThan(2_000);
    expect(Math.max(...verifyMs)).toBeLessThan(2_000);
  });
});
