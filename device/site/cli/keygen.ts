/**
 * `facegate site keygen --out FILE [--json]`: a new site key (Ed25519), the key that signs
 * the site's deletion certificates. The file (mode 0600, never overwritten) is of kind
 * `facegate-site-key`, so no command takes it for an operator key; the public key printed
 * is what the office gives to whoever verifies certificates
 * (`facegate site verify-certificate FILE --site-key KEY`).
 */
import { resolve } from "node:path";
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";

export const summary = "a new site key (file mode 0600) that signs deletion certificates; prints its public key";

export const usage = [
  "usage: facegate site keygen --out FILE [--json]",
  "  A new Ed25519 site key in FILE (mode 0600; an existing file is never overwritten). It signs",
  "  the site's deletion certificates only; give its public key (printed) to verifiers.",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["out"], usage });
  positionals(args, []);
  const out = resolve(io.cwd, requireValue(args, "out"));
  const [{ createSiteKeyFile }, { toBase64 }] = await Promise.all([import("../../../sdk/site/certificate/site-key.js"), import("../../../sdk/protocol/base64.js")]);
  const key = await createSiteKeyFile(out);
  const info = { keyId: key.keyId, publicKey: toBase64(key.publicKey), file: out };
  if (args.flags.has("json")) io.out(JSON.stringify(info));
  else io.out(`site key ${info.keyId} written to ${out} (mode 0600)\npublic key (give this to verifiers): ${info.publicKey}`);
  return EXIT.ok;
}
