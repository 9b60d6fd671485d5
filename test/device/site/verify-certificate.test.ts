/**
 * `facegate site keygen` and `facegate site verify-certificate FILE --site-key KEY [--json]`
 * on a certificate issued over the receipts of three real gate runtimes (one site, one real
 * broker): exit 0 when it verifies, 5 with each problem and its path when any byte of it
 * changed or the key is not the site's, 2 on usage mistakes, 6 when KEY is not a key. Run
 * in-process through main() and, for the exit codes and the JSON a script reads, as the
 * `facegate` child process (test/support/cli-process.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";
import { readOperatorKeyFile } from "../../../sdk/operator/key-file.js";
import { type SiteDeletionCertificate } from "../../../sdk/protocol/index.js";
import { issueCertificate, readSiteKeyFile } from "../../../sdk/site/certificate/index.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { cliArgs } from "../../support/cli-process.js";
import { type ReceiptSite, startReceiptSite } from "../../sdk/site/certificate/gate-receipts.js";

function io(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const a = io(cwd);
  const code = await main(argv, a);
  return { code, stdout: a.stdout.join("\n"), stderr: a.stderr.join("\n") };
}

let broker: TestBroker;
let site: ReceiptSite;
let dir: string;
let publicKey: string;
let cert: SiteDeletionCertificate;

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startReceiptSite({ broker, gates: 3 });
  dir = mkdtempSync(join(tmpdir(), "fg-sitecert-"));
  const keygen = await cli(dir, "site", "keygen", "--out", "site.key", "--json");
  expect(keygen.code, keygen.stderr).toBe(0);
  publicKey = (JSON.parse(keygen.stdout) as { publicKey: string }).publicKey;
  writeFileSync(join(dir, "site.pub"), `${publicKey}\n`);

  await site.register("s-0107");
  const requestedAt = site.now();
  site.advance(2_000);
  const receipts = await site.deleteEverywhere("s-0107");
  cert = await issueCertificate({
    request: { requestId: "del-7", siteId: site.siteId, subjectRef: "s-0107", reason: "end_of_tenancy", requestedAt },
    gates: site.gates.map((g) => ({ gateId: g.gateId, signingPublicKey: g.signingPublicKey })),
    receipts,
    siteKey: await readSiteKeyFile(join(dir, "site.key")),
    clock: new ManualClock(site.now() + 1_000),
    newId: () => "cert-7",
  });
  writeFileSync(join(dir, "cert.json"), `${JSON.stringify(cert, null, 2)}\n`);
  const text = readFileSync(join(dir, "cert.json"), "utf8");
  // One byte changed inside the second gate's receipt: a template count 0 -> 1.
  const at = text.indexOf('"templates": 0', text.indexOf(cert.receipts[1]!.receipt.receiptId));
  writeFileSync(join(dir, "tampered.json"), `${text.slice(0, at)}"templates": 1${text.slice(at + '"templates": 0'.length)}`);
});
afterAll(async () => {
  await site?.close();
  await broker?.stop();
});

describe("facegate site keygen", () => {
  it("writes a site key file (mode 0600, kind facegate-site-key) that is never overwritten nor taken for an operator key", async () => {
    const path = join(dir, "site.key");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ kind: "facegate-site-key", publicKey });
    const again = await cli(dir, "site", "keygen", "--out", "site.key");
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/key_file_exists: .*refusing to overwrite/);
    expect(() => readOperatorKeyFile(path)).toThrow(/not a facegate operator key file/);
    const plain = await cli(dir, "site", "keygen", "--out", "other.key");
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^site key [0-9a-f]{32} written to .*other\.key \(mode 0600\)\npublic key \(give this to verifiers\): [A-Za-z0-9+/]{43}=$/);
  });
});

describe("facegate site verify-certificate", () => {
  it("exits 0 on a genuine certificate, with KEY as base64, as a file, as @file or as the site key file", async () => {
    const ok = await cli(dir, "site", "verify-certificate", "cert.json", "--site-key", publicKey);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^certificate cert-7 verified: subject s-0107 deleted at all 3 gate\(s\) of site \S+ \(end_of_tenancy\)$/m);
    for (const g of cert.receipts) expect(ok.stdout).toContain(`gate ${g.gateId}: receipt ${g.receipt.receiptId} by device key ${g.receipt.deviceKeyId}`);
    for (const key of ["site.pub", "@site.pub", "site.key", "@site.key"]) {
      const r = await cli(dir, "site", "verify-certificate", "cert.json", "--site-key", key);
      expect(r.code, `${key}: ${r.stderr}`).toBe(0);
    }
    const json = await cli(dir, "site", "verify-certificate", "cert.json", "--site-key", publicKey, "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      problems: [],
      certificateId: "cert-7",
      subjectRef: "s-0107",
      reason: "end_of_tenancy",
      siteKeyId: cert.site.keyId,
      gates: cert.receipts.map((r) => ({ gateId: r.gateId, receiptId: r.receipt.receiptId, deviceKeyId: r.receipt.deviceKeyId, at: r.receipt.at })),
    });
  });

  it("exits 5 when one byte changed, printing each problem with its path", async () => {
    const r = await cli(dir, "site", "verify-certificate", "tampered.json", "--site-key", publicKey);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("certificate problems:\n  signature: the site signature does not match the content and the site key given (signature)");
    expect(r.stderr).toContain(`  receipts[1].receipt.signature: the receipt for gate ${cert.receipts[1]!.gateId} does not verify against its pinned key`);
    expect(r.stderr).toMatch(/^facegate site: certificate_unverified: certificate does NOT verify: 2 problem\(s\), first signature: /m);
    const json = await cli(dir, "site", "verify-certificate", "tampered.json", "--site-key", publicKey, "--json");
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      siteKeyId: cert.site.keyId,
      problems: [
        { code: "signature", path: "signature", message: expect.any(String) },
        { code: "receipt_unverified", path: "receipts[1].receipt.signature", message: expect.any(String) },
      ],
    });
  });

  it("exits 5 against another site's key, 6 when KEY is not a key, 2 on usage mistakes", async () => {
    const other = await cli(dir, "site", "keygen", "--out", "stranger.key", "--json");
    const strangerKey = (JSON.parse(other.stdout) as { publicKey: string }).publicKey;
    const wrong = await cli(dir, "site", "verify-certificate", "cert.json", "--site-key", strangerKey, "--json");
    expect(wrong.code).toBe(5);
    expect((JSON.parse(wrong.stdout) as { problems: Array<{ code: string }> }).problems.map((p) => p.code)).toEqual(["site_key", "signature"]);

    expect((await cli(dir, "site", "verify-certificate", "cert.json", "--site-key", "not-a-key")).code).toBe(6);
    const noFile = await cli(dir, "site", "verify-certificate", "--site-key", publicKey);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/^facegate site verify-certificate: FILE is required$/m);
    const noKey = await cli(dir, "site", "verify-certificate", "cert.json");
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--site-key is required/);
    const missing = await cli(dir, "site", "verify-certificate", "nowhere.json", "--site-key", publicKey);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.json: cannot read the certificate \(ENOENT\)/);
    const typo = await cli(dir, "site", "verify-certficate", "cert.json");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean 'verify-certificate'\?/);
    writeFileSync(join(dir, "garbage.json"), "not json");
    const garbage = await cli(dir, "site", "verify-certificate", "garbage.json", "--site-key", publicKey);
    expect(garbage.code).toBe(5);
    expect(garbage.stderr).toContain("(file): not JSON");
  });

  it("as the facegate child process: exit codes and the --json a script reads", () => {
    const run = (file: string) => spawnSync(process.execPath, cliArgs(["site", "verify-certificate", file, "--site-key", "site.pub", "--json"]), { encoding: "utf8", cwd: dir, timeout: 60_000 });
    const good = run("cert.json");
    expect(good.status, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, certificateId: "cert-7", problems: [] });
    const bad = run("tampered.json");
    expect(bad.status).toBe(5);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, problems: [{ code: "signature" }, { code: "receipt_unverified" }] });
    expect(bad.stderr).toMatch(/certificate_unverified/);
  });
});
