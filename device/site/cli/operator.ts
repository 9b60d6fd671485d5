/**
 * `facegate site operator add|list`: the office's operators (L12). `add` creates an operator
 * with a role, a password (read from a file or from stdin, never from the command line,
 * where other users of the machine could see it in the process list) and their OWN Ed25519
 * command key, generated here and stored only sealed under the service's data key. The key
 * is queued for every gate the site knows as `operator.key_add` work: the running
 * `facegate site serve` signs it with the site's admin key and sends it (gates added later
 * get it when they are added), so each gate's audit log names the operator who acted.
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT, UsageError } from "../../cli/cli-io.js";

const ROLES = ["admin", "operator", "auditor"] as const;

export const summary = "add or list the office's operators (role, password, their own command key sent to every gate)";

export const usage = [
  "usage: facegate site operator add --config FILE --name NAME --role ROLE [--password-file FILE] [--json]",
  "       facegate site operator list --config FILE [--json]",
  `  ROLE: ${ROLES.join(" | ")} (an auditor reads and exports only). The password is the first line of`,
  "  --password-file, else of stdin; at least 8 characters. It is never taken from the command line.",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config", "name", "role", "password-file", "password"], usage });
  const [action] = positionals(args, ["add|list"]);
  if (args.values["password"] !== undefined) throw new UsageError("--password: a password on the command line is visible to every user of this machine; use --password-file or stdin");
  if (action !== "add" && action !== "list") throw new UsageError(`unknown action '${action}' (add or list)`);
  const config = requireValue(args, "config");
  const json = args.flags.has("json");
  const [{ resolve }, { loadSiteConfig }, { openConfiguredStore }, { createLogger, jsonLineSink }, { systemClock }, api] = await Promise.all([
    import("node:path"),
    import("../site-config.js"),
    import("../site-runtime.js"),
    import("../../../sdk/log/logger.js"),
    import("../../../sdk/time/clock.js"),
    import("../../../sdk/site/api/index.js"),
  ]);
  let password = "";
  if (action === "add") {
    const role = requireValue(args, "role");
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role: must be one of ${ROLES.join(", ")}`);
    requireValue(args, "name");
    password = await readPassword(args.values["password-file"] ? resolve(io.cwd, args.values["password-file"]) : undefined);
  }
  const siteConfig = loadSiteConfig(resolve(io.cwd, config));
  const logger = createLogger({ sink: jsonLineSink((l) => io.err(l)), level: "warn", now: () => systemClock.now() });
  const store = await openConfiguredStore(siteConfig, systemClock, logger, { createDataKey: true });
  try {
    if (action === "list") {
      const ops = (await store.listOperators()).map((o) => ({ id: o.id, name: o.name, role: o.role, keyId: api.operatorKeyId(o), disabledAt: o.disabledAt }));
      if (json) io.out(JSON.stringify({ operators: ops }));
      else for (const o of ops) io.out(`${o.name.padEnd(24)} ${o.role.padEnd(9)} key ${o.keyId}${o.disabledAt !== null ? " disabled" : ""}`);
      return EXIT.ok;
    }
    const { randomUUID } = await import("node:crypto");
    const op = await api.createOperator({ store, clock: systemClock, name: requireValue(args, "name"), role: requireValue(args, "role") as (typeof ROLES)[number], password, id: randomUUID() });
    const gates = await api.queueOperatorKey(store, op.id, systemClock.now());
    const keyId = api.operatorKeyId(op);
    if (json) io.out(JSON.stringify({ id: op.id, name: op.name, role: op.role, keyId, queuedFor: gates }));
    else io.out(`operator ${op.name} (${op.role}) added, command key ${keyId}; operator.key_add queued for ${gates.length} gates (sent by the running site service)`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function readPassword(file: string | undefined): Promise<string> {
  let text: string;
  if (file) {
    const { readFileSync } = await import("node:fs");
    text = readFileSync(file, "utf8");
  } else {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString("utf8");
  }
  const line = text.split(/\r?\n/)[0] ?? "";
  if (line.length < 8) throw new UsageError("the password must be at least 8 characters (first line of the file or of stdin)");
  return line;
}
