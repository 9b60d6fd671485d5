/**
 * `facegate site evidence --config FILE --subject REF [--out FILE] [--json]`: the subject's
 * evidence bundle (sdk/site/service/evidence-bundle.ts) out of the site database: consents,
 * consent and enrollment work per gate, deletion requests with every gate's signed receipt
 * and the site certificate, the gates' audit entries about the subject under their signed
 * heads (as the running service collected them), and the keys to check it all offline;
 * signed by the site key when the configuration names one. Never a card, PIN, template or
 * photo. `--out` writes the document to a file (mode 0600) and prints a summary.
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";

export const summary = "a subject's evidence bundle: consents, enrollments, deletions, receipts, certificates, audit entries, keys";

export const usage = [
  "usage: facegate site evidence --config FILE --subject REF [--out FILE] [--json]",
  "  Without --out the bundle is printed (one JSON document). Check it offline with verifyEvidenceBundle and the site public key.",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config", "subject", "out"], usage });
  positionals(args, []);
  const subject = requireValue(args, "subject");
  const [{ withSiteStore }, { buildEvidenceBundle }, { readSiteKeyFile }, { systemClock }, { writeFileSync }, { resolve }] = await Promise.all([
    import("../store-command.js"),
    import("../../../sdk/site/service/evidence-bundle.js"),
    import("../../../sdk/site/certificate/site-key.js"),
    import("../../../sdk/time/clock.js"),
    import("node:fs"),
    import("node:path"),
  ]);
  const bundle = await withSiteStore(requireValue(args, "config"), io, async (store, config) => {
    await store.requirePerson(subject);
    const siteKey = config.siteKeyFile ? await readSiteKeyFile(config.siteKeyFile) : undefined;
    return buildEvidenceBundle({ store, siteId: config.site.id, subjectRef: subject, now: systemClock.now(), ...(siteKey ? { siteKey } : {}) });
  });
  const text = JSON.stringify(bundle);
  const out = args.values["out"];
  if (out === undefined) {
    io.out(text);
    return EXIT.ok;
  }
  writeFileSync(resolve(io.cwd, out), text, { mode: 0o600 });
  const counts = {
    file: out,
    subjectRef: subject,
    consents: bundle.consents.length,
    deletions: bundle.deletions.length,
    receipts: bundle.deletions.reduce((n, d) => n + d.receipts.filter((r) => r.receipt !== null).length, 0),
    certificates: bundle.deletions.filter((d) => d.certificate !== null).length,
    auditEntries: bundle.audit.reduce((n, a) => n + a.subjectSeqs.length, 0),
    signed: bundle.signature !== null,
  };
  if (args.flags.has("json")) io.out(JSON.stringify(counts));
  else io.out(`evidence for ${subject} written to ${out}: ${counts.consents} consents, ${counts.deletions} deletions, ${counts.receipts} receipts, ${counts.certificates} certificates, ${counts.auditEntries} audit entries${counts.signed ? ", signed by the site key" : ", NOT signed (no site key configured)"}`);
  return EXIT.ok;
}
