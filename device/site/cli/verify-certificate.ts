/**
 * `facegate site verify-certificate FILE --site-key KEY [--json]`: the offline check of a
 * site deletion certificate (L7): the site signature over the whole document, and every
 * gate's receipt inside it against that gate's key (sdk/site/certificate
 * verifyCertificate). Needs nothing but the file and the site public key, which must come
 * from a trusted source, never from the certificate.
 *
 * Exit 0 when it verifies; 5 (VerificationError `certificate_unverified`) when it does not,
 * after printing each problem with its path (stderr, or in the `--json` report on stdout);
 * 2 on a usage mistake (no FILE, no --site-key, a file that cannot be read); 6 when KEY is
 * not a public key.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { VerificationError } from "../../../sdk/errors.js";
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";
import { UsageProblem } from "../../cli/usage.js";

export const summary = "check a site deletion certificate offline: the site signature and every gate's receipt";

export const usage = [
  "usage: facegate site verify-certificate FILE --site-key KEY [--json]",
  "  Checks a site deletion certificate offline (L7): the site key's signature, and each gate's",
  "  signed receipt inside it against that gate's key. KEY is the site's public key: base64, or a",
  "  file (FILE or @FILE) holding it (base64, or JSON with publicKey: the site key file works).",
  "  Exit 0 when it verifies; 5 when it does not, each problem printed with its path.",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["site-key"], usage });
  const [file] = positionals(args, ["FILE"]);
  const keyArg = requireValue(args, "site-key");
  // Loaded only to run (libsodium), so that `facegate --help` stays quick.
  const [{ parsePublicKeyArg }, { verifyCertificateBytes }, { keyIdFor }] = await Promise.all([
    import("../../../sdk/operator/key-file.js"),
    import("../../../sdk/site/certificate/verify-certificate.js"),
    import("../../../sdk/crypto/keys.js"),
  ]);
  const siteKey = parsePublicKeyArg(asKeyFileArg(keyArg, io.cwd), (p) => readFileSync(resolve(io.cwd, p), "utf8"));
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(resolve(io.cwd, file!));
  } catch (err) {
    throw new UsageProblem(`${file}: cannot read the certificate (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, usage);
  }
  const result = await verifyCertificateBytes(bytes, { siteKey });
  const cert = result.certificate;
  if (args.flags.has("json")) {
    io.out(
      JSON.stringify({
        ok: result.ok,
        problems: result.problems,
        siteKeyId: keyIdFor(siteKey),
        ...(cert
          ? {
              certificateId: cert.certificateId,
              siteId: cert.siteId,
              deletionRequestId: cert.deletionRequestId,
              subjectRef: cert.subjectRef,
              reason: cert.reason,
              requestedAt: cert.requestedAt,
              completedAt: cert.completedAt,
              issuedAt: cert.issuedAt,
              gates: cert.receipts.map((r) => ({ gateId: r.gateId, receiptId: r.receipt.receiptId, deviceKeyId: r.receipt.deviceKeyId, at: r.receipt.at, deleted: r.receipt.deleted, audit: r.receipt.audit })),
            }
          : {}),
      }),
    );
  } else if (cert) {
    io.out(
      [
        `certificate ${cert.certificateId} verified: subject ${cert.subjectRef} deleted at all ${cert.gates.length} gate(s) of site ${cert.siteId} (${cert.reason})`,
        `  requested ${iso(cert.requestedAt)}, last gate ${iso(cert.completedAt)}, issued ${iso(cert.issuedAt)}; request ${cert.deletionRequestId}; site key ${cert.site.keyId}`,
        ...cert.receipts.map(
          (r) =>
            `  gate ${r.gateId}: receipt ${r.receipt.receiptId} by device key ${r.receipt.deviceKeyId}, ${r.receipt.deleted.templates} template(s) and ${r.receipt.deleted.dataKeys} data key(s) destroyed at ${iso(r.receipt.at)}, audit entry ${r.receipt.audit.seq}`,
        ),
      ].join("\n"),
    );
  } else {
    io.err(["certificate problems:", ...result.problems.map((p) => `  ${p.path}: ${p.message} (${p.code})`)].join("\n"));
  }
  if (!result.ok) {
    const first = result.problems[0]!;
    throw new VerificationError("certificate_unverified", `certificate does NOT verify: ${result.problems.length} problem(s), first ${first.path}: ${first.message}`, { problems: result.problems.length });
  }
  return EXIT.ok;
}

/** KEY as parsePublicKeyArg takes it: a file given without `@` is still a file. */
function asKeyFileArg(arg: string, cwd: string): string {
  if (arg.startsWith("@")) return arg;
  const path = resolve(cwd, arg);
  return existsSync(path) && statSync(path).isFile() ? `@${arg}` : arg;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
