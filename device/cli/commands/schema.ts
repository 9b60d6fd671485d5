/**
 * `facegate schema contract|config|scenario|all [--out DIR] [--json]`: the published JSON
 * Schemas, generated from the schemas the code checks with: the MQTT contract v2 (every
 * payload and command body, and an AsyncAPI document), the device configuration and the
 * scenario format. Without --out, one schema is printed on stdout (`contract` prints the
 * AsyncAPI document, which holds every payload); with --out, files are written under DIR in
 * the repository's layout.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { PublishedFile } from "../../schemas/published-schemas.js";
import { parseArgs } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { UsageProblem } from "../usage.js";

export const summary = "print or write the published JSON Schemas (contract | config | scenario | all)";

export const usage = [
  "usage: facegate schema contract|config|scenario|all [--out DIR] [--json]",
  "  contract: the MQTT contract v2 (the AsyncAPI document; with --out, every payload and body too)",
  "  config: the device configuration; scenario: the scenario format; all: everything, needs --out",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["out"], usage });
  const [what] = args.positionals;
  // Loaded only to run, so that `facegate --help` (which reads every command's summary) stays quick.
  const { allPublishedSchemas, asyncApi, configSchema, contractSchemas, scenarioSchema } = await import("../../schemas/published-schemas.js");
  const files: Record<string, () => PublishedFile[]> = {
    contract: contractSchemas,
    config: () => [configSchema()],
    scenario: () => [scenarioSchema()],
    all: allPublishedSchemas,
  };
  if (!what || !(what in files) || args.positionals.length > 1) throw new UsageProblem(`give one of ${Object.keys(files).join(", ")}`, usage);
  const out = args.values["out"];
  if (!out) {
    if (what === "all") throw new UsageProblem("schema all writes several files: give --out DIR", usage);
    io.out(what === "contract" ? JSON.stringify(asyncApi(), null, 2) : files[what]!()[0]!.content.trimEnd());
    return EXIT.ok;
  }
  const written: string[] = [];
  for (const f of files[what]!()) {
    const path = join(resolve(io.cwd, out), f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
    written.push(path);
  }
  if (args.flags.has("json")) io.out(JSON.stringify({ written }));
  else io.out(`${written.length} schema files written under ${resolve(io.cwd, out)}`);
  return EXIT.ok;
}
