/**
 * `facegate receipt verify FILE --device-key KEY [--json]`: checks a deletion receipt
 * offline against the device public signing key (L7). KEY is base64 or a file holding
 * the key. Exit 0 when it verifies; a VerificationError (`receipt_unverified`, exit 5)
 * when it does not, after the `--json` report.
 */
import { VerificationError } from "../../../sdk/errors.js";
import type { DeletionReceipt } from "../../../sdk/protocol/index.js";
import { jsonFileArg, parseArgs, positionals, requireValue } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { commandUsage, dispatch, type Subcommand } from "../usage.js";

export const summary = "verify a signed deletion receipt offline (verify FILE --device-key KEY)";

/** `facegate receipt verify` and `facegate operator verify-receipt`: the same check under two names. */
export async function verifyReceiptFile(argv: string[], io: CliIo, usage: string): Promise<number> {
  const args = parseArgs(argv, { values: ["device-key"], usage });
  const [file] = positionals(args, ["FILE"]);
  // Loaded only to run (libsodium), so that `facegate --help` stays quick.
  const [{ readPublicKey }, { verifyReceipt }] = await Promise.all([import("../../../sdk/crypto/public-key-input.js"), import("../../../sdk/crypto/signatures.js")]);
  const publicKey = readPublicKey(requireValue(args, "device-key"), io.cwd);
  const receipt = jsonFileArg(args, io.cwd, file!, "a JSON receipt");
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

const verify: Subcommand = {
  usage: [
    "usage: facegate receipt verify FILE --device-key KEY [--json]",
    "  Checks a deletion receipt's signature offline (L7). KEY is the device's signing public",
    "  key, base64 or a file holding it. Exit 0 when it verifies, 5 when it does not.",
  ].join("\n"),
  run: (argv, io) => verifyReceiptFile(argv, io, verify.usage),
};

const SUBCOMMANDS: Record<string, Subcommand> = { verify };
export const subcommands = Object.keys(SUBCOMMANDS);
export const usage = commandUsage("receipt", SUBCOMMANDS);

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, SUBCOMMANDS, usage);
}
