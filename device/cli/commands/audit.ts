/**
 * `facegate audit verify FILE --device-key KEY [--json]`: verifies an audit export
 * offline and names the first broken entry (L8); a VerificationError (`audit_unverified`,
 * exit 5) when it does not, after the `--json` report.
 * `facegate audit export --db PATH --key-file PATH [--out FILE]`: exports a device's log.
 * `facegate audit device-key --key-file PATH`: prints the device public keys for verifiers.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { verifyAuditExport } from "../../../sdk/audit/audit-verify.js";
import { devicePublicKeys, exportDeviceAudit } from "../../../sdk/privacy/device-audit-export.js";
import { FileKeyProvider } from "../../../sdk/crypto/key-provider.js";
import { VerificationError } from "../../../sdk/errors.js";
import { readPublicKey } from "../../../sdk/crypto/public-key-input.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { parseArgs, requireValue } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";

export const summary = "verify or export the hash-chained audit log (verify FILE --device-key KEY | export | device-key)";

const USAGE = "usage: facegate audit verify FILE --device-key KEY [--json] | export --db PATH --key-file PATH [--out FILE] | device-key --key-file PATH";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["device-key", "db", "key-file", "out"] });
  const [action, ...rest] = args.positionals;
  const json = args.flags.has("json");
  if (action === "verify") {
    const [file, ...extra] = rest;
    if (!file || extra.length > 0) throw new UsageError(USAGE);
    const publicKey = readPublicKey(requireValue(args, "device-key"), io.cwd);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(resolve(io.cwd, file), "utf8"));
    } catch (err) {
      throw new UsageError(`${file}: cannot read a JSON audit export (${(err as Error).message})`);
    }
    const result = await verifyAuditExport(doc, publicKey);
    if (json) io.out(JSON.stringify(result));
    else if (result.ok) io.out(`audit log verified: ${result.entries} entries, ${result.checkpoints} signed checkpoints, head ${result.head}`);
    if (!result.ok) throw new VerificationError("audit_unverified", `audit log does NOT verify: first broken entry ${result.firstBroken!.seq}: ${result.firstBroken!.reason}`, { seq: result.firstBroken!.seq });
    return EXIT.ok;
  }
  if (action === "export" && rest.length === 0) {
    const doc = await exportDeviceAudit({
      dbPath: resolve(io.cwd, requireValue(args, "db")),
      keyProvider: new FileKeyProvider({ path: resolve(io.cwd, requireValue(args, "key-file")) }),
      clock: systemClock,
    });
    const text = JSON.stringify(doc, null, 1);
    const out = args.values["out"];
    if (out) {
      writeFileSync(resolve(io.cwd, out), `${text}\n`, { mode: 0o640 });
      io.out(json ? JSON.stringify({ ok: true, out, entries: doc.entries.length, keyId: doc.device.keyId }) : `exported ${doc.entries.length} entries to ${out} (device key ${doc.device.keyId})`);
    } else io.out(text);
    return EXIT.ok;
  }
  if (action === "device-key" && rest.length === 0) {
    const keys = await devicePublicKeys({ keyProvider: new FileKeyProvider({ path: resolve(io.cwd, requireValue(args, "key-file")) }) });
    io.out(json ? JSON.stringify(keys) : `key id ${keys.keyId}\nsigning public key ${keys.signingPublicKey}\nbox public key ${keys.boxPublicKey}`);
    return EXIT.ok;
  }
  throw new UsageError(USAGE);
}
