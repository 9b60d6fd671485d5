/**
 * `facegate audit verify FILE --device-key KEY [--json]`: verifies an audit export
 * offline and names the first broken entry (L8); a VerificationError (`audit_unverified`,
 * exit 5) when it does not, after the `--json` report.
 * `facegate audit export --db PATH --key-file PATH [--out FILE]`: exports a device's log.
 * `facegate audit device-key --key-file PATH`: prints the device public keys for verifiers.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { VerificationError } from "../../../sdk/errors.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { jsonFileArg, parseArgs, positionals, requireValue } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { commandUsage, dispatch, type Subcommand } from "../usage.js";

export const summary = "verify or export the hash-chained audit log (verify FILE --device-key KEY | export | device-key)";

/** `facegate audit verify` and `facegate operator verify-audit`: the same check under two names. */
export async function verifyAuditFile(argv: string[], io: CliIo, usage: string): Promise<number> {
  const args = parseArgs(argv, { values: ["device-key"], usage });
  const [file] = positionals(args, ["FILE"]);
  // Loaded only to run (libsodium, SQLite), so that `facegate --help` stays quick.
  const [{ readPublicKey }, { verifyAuditExport }] = await Promise.all([import("../../../sdk/crypto/public-key-input.js"), import("../../../sdk/audit/audit-verify.js")]);
  const publicKey = readPublicKey(requireValue(args, "device-key"), io.cwd);
  const doc = jsonFileArg(args, io.cwd, file!, "a JSON audit export");
  const result = await verifyAuditExport(doc, publicKey);
  if (args.flags.has("json")) io.out(JSON.stringify(result));
  else if (result.ok) io.out(`audit log verified: ${result.entries} entries, ${result.checkpoints} signed checkpoints, head ${result.head}`);
  if (!result.ok) throw new VerificationError("audit_unverified", `audit log does NOT verify: first broken entry ${result.firstBroken!.seq}: ${result.firstBroken!.reason}`, { seq: result.firstBroken!.seq });
  return EXIT.ok;
}

const verify: Subcommand = {
  usage: [
    "usage: facegate audit verify FILE --device-key KEY [--json]",
    "  Checks an audit export offline: hash chain and signed checkpoints (L8). KEY is the",
    "  device's signing public key, base64 or a file holding it. Exit 5 names the first broken entry.",
  ].join("\n"),
  run: (argv, io) => verifyAuditFile(argv, io, verify.usage),
};

const exportLog: Subcommand = {
  usage: [
    "usage: facegate audit export --db FILE --key-file FILE [--out FILE] [--json]",
    "  Exports the audit log of a device's database (on the terminal, as the device user).",
  ].join("\n"),
  async run(argv, io) {
    const args = parseArgs(argv, { values: ["db", "key-file", "out"], usage: exportLog.usage });
    positionals(args, []);
    const [{ exportDeviceAudit }, { FileKeyProvider }] = await Promise.all([import("../../../sdk/privacy/device-audit-export.js"), import("../../../sdk/crypto/key-provider.js")]);
    const doc = await exportDeviceAudit({
      dbPath: resolve(io.cwd, requireValue(args, "db")),
      keyProvider: new FileKeyProvider({ path: resolve(io.cwd, requireValue(args, "key-file")) }),
      clock: systemClock,
    });
    const text = JSON.stringify(doc, null, 1);
    const out = args.values["out"];
    if (out) {
      writeFileSync(resolve(io.cwd, out), `${text}\n`, { mode: 0o640 });
      io.out(args.flags.has("json") ? JSON.stringify({ ok: true, out, entries: doc.entries.length, keyId: doc.device.keyId }) : `exported ${doc.entries.length} entries to ${out} (device key ${doc.device.keyId})`);
    } else io.out(text);
    return EXIT.ok;
  },
};

const deviceKey: Subcommand = {
  usage: [
    "usage: facegate audit device-key --key-file FILE [--json]",
    "  Prints the device's public keys: the signing key is the --device-key of the verifiers and the operator.",
  ].join("\n"),
  async run(argv, io) {
    const args = parseArgs(argv, { values: ["key-file"], usage: deviceKey.usage });
    positionals(args, []);
    const [{ devicePublicKeys }, { FileKeyProvider }] = await Promise.all([import("../../../sdk/privacy/device-audit-export.js"), import("../../../sdk/crypto/key-provider.js")]);
    const keys = await devicePublicKeys({ keyProvider: new FileKeyProvider({ path: resolve(io.cwd, requireValue(args, "key-file")) }) });
    io.out(args.flags.has("json") ? JSON.stringify(keys) : `key id ${keys.keyId}\nsigning public key ${keys.signingPublicKey}\nbox public key ${keys.boxPublicKey}`);
    return EXIT.ok;
  },
};

const SUBCOMMANDS: Record<string, Subcommand> = { verify, export: exportLog, "device-key": deviceKey };
export const subcommands = Object.keys(SUBCOMMANDS);
export const usage = commandUsage("audit", SUBCOMMANDS);

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, SUBCOMMANDS, usage);
}
