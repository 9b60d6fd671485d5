/**
 * `facegate receipt verify FILE --device-key KEY [--json]`: checks a deletion receipt
 * offline against the device public signing key (L7). KEY is base64 or a file holding
 * the key. Exit 0 when it verifies; a VerificationError (`receipt_unverified`, exit 5)
 * when it does not, after the `--json` report.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readPublicKey } from "../../../sdk/crypto/public-key-input.js";
import { type DeletionReceipt } from "../../../sdk/protocol/index.js";
import { verifyReceipt } from "../../../sdk/crypto/signatures.js";
import { VerificationError } from "../../../sdk/errors.js";
import { parseArgs, requireValue } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";

export const summary = "verify a signed deletion receipt offline (verify FILE --device-key KEY)";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["device-key"] });
  const [action, file, ...extra] = args.positionals;
  if (action !== "verify" || !file || extra.length > 0) throw new UsageError("usage: facegate receipt verify FILE --device-key KEY [--json]");
  const publicKey = readPublicKey(requireValue(args, "device-key"), io.cwd);
  const path = resolve(io.cwd, file);
  let receipt: unknown;
  try {
    receipt = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`${file}: cannot read a JSON receipt (${(err as Error).message})`);
  }
  const result = await verifyReceipt(receipt, publicKey);
  const r = receipt as Partial<DeletionReceipt>;
  if (args.flags.has("json")) {
    io.out(JSON.stringify({ ok: result.ok, ...(result.reason ? { reason: result.reason } : {}), receiptId: r.receiptId, subjectRef: r.subjectRef, trigger: r.trigger, deleted: r.deleted, at: r.at, audit: r.audit, deviceKeyId: r.deviceKeyId }));
  } else if (result.ok) {
    io.out(`receipt ${r.receiptId} verified: subject ${r.subjectRef}, ${r.trigger}, ${r.deleted?.templates} template(s) and ${r.deleted?.dataKeys} data key(s) destroyed at ${new Date(r.at ?? 0).toISOString()}, audit entry ${r.audit?.seq}, device key ${r.deviceKeyId}`);
  }
  if (!result.ok) throw new VerificationError("receipt_unverified", `receipt does NOT verify: ${result.reason}`);
  return EXIT.ok;
}
