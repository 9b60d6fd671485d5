/**
 * `facegate operator <action>`: the property operator's side.
 *
 *   keygen --out FILE                       new Ed25519 key (file mode 0600); prints the public key
 *   send --type T --body JSON|@FILE ...     sign a command, send it, print the verified signed result
 *   delete --subject REF [--reason R] ...   subject.delete (the result carries the deletion receipt)
 *   status ...                              gate.status
 *   audit-export --out FILE ...             audit.export chunk by chunk into a JSON-lines file
 *   watch --broker URL [--site S] [--gate G] events as JSON lines, duplicates dropped by id
 *   verify-receipt / verify-audit           offline verification (needs sdk/deletion, sdk/audit)
 *
 * Connection options for send/delete/status/audit-export: --key FILE --site S --gate G
 * --broker URL --device-key KEY|@FILE [--timeout ms] [--ttl ms] [--prefix P] [--mqtt-version 4|5].
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { toBase64 } from "../../../sdk/commands/keys.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { FacegateError } from "../../../sdk/errors.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { generateOperatorKey, parsePublicKeyArg, readOperatorKeyFile, writeOperatorKeyFile } from "../../../sdk/operator/key-file.js";
import { OperatorClient } from "../../../sdk/operator/operator-client.js";
import {
  COMMAND_TYPES,
  type CommandBodies,
  type CommandResultMessage,
  type CommandType,
  DEFAULT_TOPIC_PREFIX,
  EVENT_CATEGORIES,
  type EventCategory,
} from "../../../sdk/transport/contract.js";
import { type ParsedArgs, intValue, parseArgs, requireValue } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";

export const summary = "operator side: keygen, send signed commands, delete, status, audit-export, watch";

const CONNECTION = ["key", "site", "gate", "broker", "device-key", "timeout", "ttl", "prefix", "mqtt-version", "id"] as const;

const USAGE = [
  "usage: facegate operator <action> [options]",
  "  keygen --out FILE",
  "  send --type TYPE --body JSON|@FILE <connection>",
  "  delete --subject REF [--reason R] [--reference TEXT] <connection>",
  "  status <connection>",
  "  audit-export --out FILE [--chunk N] <connection>",
  "  watch --broker URL [--site S] [--gate G] [--category C,...] [--client-id ID] [--count N] [--timeout ms] [--prefix P] [--mqtt-version 4|5]",
  "  verify-receipt FILE --device-key KEY | verify-audit FILE --device-key KEY   (not available yet)",
  "connection: --key FILE --site S --gate G --broker URL --device-key KEY|@FILE [--timeout ms] [--ttl ms] [--prefix P] [--mqtt-version 4|5] [--id ID]",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = argv;
  switch (action) {
    case "keygen":
      return keygen(rest, io);
    case "send":
      return send(rest, io);
    case "delete":
      return del(rest, io);
    case "status":
      return status(rest, io);
    case "audit-export":
      return auditExport(rest, io);
    case "watch":
      return watch(rest, io);
    case "verify-receipt":
    case "verify-audit":
      throw new FacegateError("not_available", `operator ${action} needs the secure-store verifiers (sdk/deletion, sdk/audit), which are not wired in yet`);
    default:
      if (action === undefined || action === "--help" || action === "help") {
        io.out(USAGE);
        return action ? EXIT.ok : EXIT.usage;
      }
      throw new UsageError(`unknown action '${action}'\n${USAGE}`);
  }
}

async function keygen(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["out"] });
  const out = resolve(io.cwd, requireValue(args, "out"));
  const key = await generateOperatorKey();
  writeOperatorKeyFile(out, key);
  (await loadSodium()).memzero(key.secretKey);
  const info = { keyId: key.keyId, publicKey: toBase64(key.publicKey), file: out };
  if (args.flags.has("json")) io.out(JSON.stringify(info));
  else io.out(`key ${info.keyId} written to ${out} (mode 0600)\npublic key (enrol this on the device): ${info.publicKey}`);
  return EXIT.ok;
}

function protocolVersion(args: ParsedArgs): 4 | 5 {
  const v = args.values["mqtt-version"] ?? "5";
  if (v !== "4" && v !== "5") throw new UsageError("--mqtt-version must be 4 or 5");
  return Number(v) as 4 | 5;
}

/** Signs `type`/`body` with --key, sends it, and returns the verified result. */
async function sendCommand<T extends CommandType>(args: ParsedArgs, io: CliIo, type: T, body: CommandBodies[T]): Promise<CommandResultMessage<T>> {
  const key = readOperatorKeyFile(resolve(io.cwd, requireValue(args, "key")));
  const devicePublicKey = parsePublicKeyArg(requireValue(args, "device-key"), (p) => readFileSync(resolve(io.cwd, p), "utf8"));
  const command = await buildCommand({
    site: requireValue(args, "site"),
    gate: requireValue(args, "gate"),
    type,
    body,
    key,
    ttlMs: intValue(args, "ttl", 5 * 60_000),
    ...(args.values["id"] ? { id: args.values["id"] } : {}),
  });
  (await loadSodium()).memzero(key.secretKey);
  const client = new OperatorClient({ url: requireValue(args, "broker"), prefix: args.values["prefix"] ?? DEFAULT_TOPIC_PREFIX, protocolVersion: protocolVersion(args) });
  const timeoutMs = intValue(args, "timeout", 10_000);
  await client.start(timeoutMs);
  try {
    return await client.send(command, { devicePublicKey, timeoutMs });
  } finally {
    await client.stop();
  }
}

function report(args: ParsedArgs, io: CliIo, result: CommandResultMessage): number {
  if (args.flags.has("json")) io.out(JSON.stringify(result));
  else if (result.status === "ok") io.out(`ok ${result.commandId} (signed by device key ${result.deviceKeyId})\n${JSON.stringify(result.result ?? {}, null, 2)}`);
  else io.err(`refused ${result.commandId ?? ""}: ${result.error?.code}: ${result.error?.message}`);
  return result.status === "ok" ? EXIT.ok : EXIT.failure;
}

async function send(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["type", "body", ...CONNECTION] });
  const type = requireValue(args, "type");
  if (!(COMMAND_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${COMMAND_TYPES.join(", ")}`);
  const bodyArg = args.values["body"] ?? "{}";
  const text = bodyArg.startsWith("@") ? readFileSync(resolve(io.cwd, bodyArg.slice(1)), "utf8") : bodyArg;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UsageError("--body must be JSON or @FILE holding JSON");
  }
  return report(args, io, await sendCommand(args, io, type as CommandType, body as never));
}

async function del(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["subject", "reason", "reference", ...CONNECTION] });
  const body: CommandBodies["subject.delete"] = {
    subjectRef: requireValue(args, "subject"),
    reason: (args.values["reason"] ?? "operator_request") as CommandBodies["subject.delete"]["reason"],
    ...(args.values["reference"] ? { reference: args.values["reference"] } : {}),
  };
  return report(args, io, await sendCommand(args, io, "subject.delete", body));
}

async function status(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: [...CONNECTION] });
  return report(args, io, await sendCommand(args, io, "gate.status", {}));
}

async function auditExport(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["out", "chunk", ...CONNECTION] });
  const out = resolve(io.cwd, requireValue(args, "out"));
  const limit = intValue(args, "chunk", 200);
  const lines: string[] = [];
  let offset: number | null = 0;
  while (offset !== null) {
    // Each chunk is its own signed command and signed result.
    const r: CommandResultMessage<"audit.export"> = await sendCommand(args, io, "audit.export", { offset, limit });
    if (r.status !== "ok" || !r.result) return report(args, io, r);
    for (const e of r.result.entries) lines.push(JSON.stringify(e));
    offset = r.result.nextOffset;
  }
  writeFileSync(out, lines.length ? `${lines.join("\n")}\n` : "", { mode: 0o600 });
  if (args.flags.has("json")) io.out(JSON.stringify({ file: out, entries: lines.length }));
  else io.out(`${lines.length} audit entries written to ${out}`);
  return EXIT.ok;
}

async function watch(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["broker", "site", "gate", "category", "client-id", "count", "timeout", "prefix", "mqtt-version"] });
  const categories = args.values["category"]?.split(",").map((c) => c.trim());
  if (categories?.some((c) => !(EVENT_CATEGORIES as readonly string[]).includes(c))) throw new UsageError(`--category must be among ${EVENT_CATEGORIES.join(", ")}`);
  const count = args.values["count"] ? intValue(args, "count", 1) : Infinity;
  const client = new OperatorClient({
    url: requireValue(args, "broker"),
    prefix: args.values["prefix"] ?? DEFAULT_TOPIC_PREFIX,
    protocolVersion: protocolVersion(args),
    ...(args.values["client-id"] ? { clientId: args.values["client-id"] } : {}),
  });
  await client.start();
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const w = await client.watch({
    site: args.values["site"] ?? "+",
    gate: args.values["gate"] ?? "+",
    ...(categories ? { categories: categories as EventCategory[] } : {}),
    onEvent: (e) => {
      io.out(JSON.stringify(e));
      if (++seen >= count) done();
    },
  });
  const timer = args.values["timeout"] ? setTimeout(done, intValue(args, "timeout", 1)) : undefined;
  await finished;
  if (timer) clearTimeout(timer);
  await w.stop();
  await client.stop();
  if (!args.flags.has("json")) io.err(`${seen} events, ${w.duplicates} duplicates dropped`);
  return EXIT.ok;
}
