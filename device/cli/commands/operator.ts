/**
 * `facegate operator <action>`: the property operator's side.
 *
 *   keygen --out FILE                       new Ed25519 key (file mode 0600); prints the public key
 *   send --type T --body JSON|@FILE ...     sign a command, send it, print the verified signed result
 *   delete --subject REF [--reason R] [--receipt-out FILE] ...
 *                                           subject.delete (the result carries the signed deletion receipt)
 *   status ...                              gate.status
 *   audit-export --out FILE ...             audit.export chunk by chunk into a facegate-audit/1 document
 *   watch --broker URL [--site S] [--gate G] events as JSON lines, duplicates dropped by id
 *   verify-receipt FILE --device-key KEY    offline check of a deletion receipt (= facegate receipt verify)
 *   verify-audit FILE --device-key KEY      offline check of an audit export (= facegate audit verify)
 *
 * Connection options for send/delete/status/audit-export: --key FILE --site S --gate G
 * --broker URL --device-key KEY|@FILE [--timeout ms] [--ttl ms] [--prefix P] [--mqtt-version 4|5];
 * every subcommand that connects also takes the broker options --ca, --tls-cert, --tls-key,
 * --username and --password-file (files checked like the device's, never a password in the URL).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { COMMAND_TYPES, type CommandBodies, type CommandResultMessage, type CommandType, DEFAULT_TOPIC_PREFIX, EVENT_CATEGORIES, type EventCategory, toBase64 } from "../../../sdk/protocol/index.js";
import type { DeviceKeyLookup, OperatorClient } from "../../../sdk/operator/operator-client.js";
import { type BrokerAuthFiles, type BrokerAuthNames, type BrokerCredentials, brokerAuthProblems, loadBrokerCredentials } from "../../../sdk/transport/broker-credentials.js";
import { type ParsedArgs, intValue, parseArgs, positionals, requireValue } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";
import { commandUsage, dispatch, type Subcommand } from "../usage.js";
import { verifyAuditFile } from "./audit.js";
import { verifyReceiptFile } from "./receipt.js";

/** The operator's side of the SDK (libsodium, MQTT), loaded only to run so that `facegate --help` stays quick. */
async function operatorSdk() {
  const [sodium, audit, builder, keyFile, client] = await Promise.all([
    import("../../../sdk/crypto/sodium.js"),
    import("../../../sdk/operator/audit-download.js"),
    import("../../../sdk/operator/command-builder.js"),
    import("../../../sdk/operator/key-file.js"),
    import("../../../sdk/operator/operator-client.js"),
  ]);
  return { ...sodium, ...audit, ...builder, ...keyFile, ...client };
}

export const summary = "operator side: keygen, send signed commands, delete, status, audit-export, watch";

/** How to reach and log in to the broker (every subcommand that connects). */
const BROKER = ["ca", "tls-cert", "tls-key", "username", "password-file"] as const;
const BROKER_NAMES: BrokerAuthNames = { url: "--broker", caFile: "--ca", certFile: "--tls-cert", keyFile: "--tls-key", username: "--username", passwordFile: "--password-file" };
const BROKER_USAGE = [
  "  broker: [--ca FILE] [--tls-cert FILE --tls-key FILE] [--username U --password-file FILE]",
  "  --ca: PEM CA of the broker's certificate (mqtts://); --tls-cert/--tls-key: the operator's",
  "  client certificate (key mode 0600); --password-file: password on its first line (mode 0600).",
  "  Never put a password in the URL.",
].join("\n");
const CONNECTION = ["key", "site", "gate", "broker", "device-key", "device-box-key", "timeout", "ttl", "prefix", "mqtt-version", "id", ...BROKER] as const;
const CONNECTION_USAGE = [
  "  connection: --key FILE --site S --gate G --broker URL --device-key @FILE|KEY [--device-box-key KEY]",
  "              [--timeout ms] [--ttl ms] [--prefix P] [--mqtt-version 4|5] [--id ID] <broker>",
  "  --key is the operator's key file (keygen); --device-key @FILE the gate's identity, as",
  "  `facegate audit device-key --json` prints it on the terminal (its signing key verifies the",
  "  gate's answers, its box key seals each command's body to the gate); a bare signing key",
  "  needs --device-box-key too. --id names the command (default: random).",
  BROKER_USAGE,
].join("\n");

const USAGES = {
  keygen: ["usage: facegate operator keygen --out FILE [--json]", "  A new Ed25519 operator key (file mode 0600); prints the public key to put in the device configuration."],
  send: ["usage: facegate operator send --type TYPE --body JSON|@FILE <connection> [--json]", `  Signs a command, sends it and prints the device's verified, signed result. TYPE: ${COMMAND_TYPES.join(", ")}.`, CONNECTION_USAGE],
  delete: [
    "usage: facegate operator delete --subject REF [--reason R] [--reference TEXT] [--receipt-out FILE] <connection> [--json]",
    "  subject.delete: the gate deletes the subject's face data and answers with a signed deletion receipt (L7).",
    CONNECTION_USAGE,
  ],
  status: ["usage: facegate operator status <connection> [--json]", "  gate.status: whether the gate is up, its face path, templates and key, signed by the device.", CONNECTION_USAGE],
  "audit-export": [
    "usage: facegate operator audit-export --out FILE [--chunk N] <connection> [--json]",
    "  audit.export chunk by chunk into a facegate-audit/1 document that facegate audit verify checks offline.",
    CONNECTION_USAGE,
  ],
  watch: [
    "usage: facegate operator watch --broker URL (--site S --gate G --device-key @FILE|KEY | --device-keys FILE) [--category C,...] [--client-id ID] [--count N] [--timeout ms] [--prefix P] [--mqtt-version 4|5] <broker>",
    `  Prints events as JSON lines, duplicates dropped by id. Categories: ${EVENT_CATEGORIES.join(", ")}.`,
    "  Only events signed by the gate's pinned device key are printed: --device-key for one gate, or",
    '  --device-keys FILE, a JSON object {"<site>/<gate>": "<signing public key, base64>", ...}, for many.',
    "  --client-id keeps a persistent session: anyone who knows it can take that session, so make it secret.",
    BROKER_USAGE,
  ],
  "verify-receipt": ["usage: facegate operator verify-receipt FILE --device-key KEY [--json]", "  The offline check of a deletion receipt (= facegate receipt verify)."],
  "verify-audit": ["usage: facegate operator verify-audit FILE --device-key KEY [--json]", "  The offline check of an audit export (= facegate audit verify)."],
} as const;

type Action = keyof typeof USAGES;
const usageOf = (action: Action): string => USAGES[action].join("\n");

const SUBCOMMANDS: Record<Action, Subcommand> = {
  keygen: { usage: usageOf("keygen"), run: keygen },
  send: { usage: usageOf("send"), run: send },
  delete: { usage: usageOf("delete"), run: del },
  status: { usage: usageOf("status"), run: status },
  "audit-export": { usage: usageOf("audit-export"), run: auditExport },
  watch: { usage: usageOf("watch"), run: watch },
  "verify-receipt": { usage: usageOf("verify-receipt"), run: (argv, io) => verifyReceiptFile(argv, io, usageOf("verify-receipt")) },
  "verify-audit": { usage: usageOf("verify-audit"), run: (argv, io) => verifyAuditFile(argv, io, usageOf("verify-audit")) },
};
export const subcommands = Object.keys(SUBCOMMANDS);
export const usage = commandUsage("operator", SUBCOMMANDS, [CONNECTION_USAGE.replace("  connection:", "<connection>:"), ""]);

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, SUBCOMMANDS, usage);
}

async function keygen(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["out"], usage: usageOf("keygen") });
  positionals(args, []);
  const out = resolve(io.cwd, requireValue(args, "out"));
  const { generateOperatorKey, loadSodium, writeOperatorKeyFile } = await operatorSdk();
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

/** The broker URL and login from --broker and the broker options; files are read (and checked) here. */
function brokerConnection(args: ParsedArgs, io: CliIo): { url: string; credentials: BrokerCredentials } {
  const url = requireValue(args, "broker");
  const file = (name: string): string | undefined => (args.values[name] !== undefined ? resolve(io.cwd, args.values[name]) : undefined);
  const auth: BrokerAuthFiles = {
    ...(file("ca") ? { caFile: file("ca") } : {}),
    ...(file("tls-cert") ? { certFile: file("tls-cert") } : {}),
    ...(file("tls-key") ? { keyFile: file("tls-key") } : {}),
    ...(args.values["username"] !== undefined ? { username: args.values["username"] } : {}),
    ...(file("password-file") ? { passwordFile: file("password-file") } : {}),
  };
  const problem = brokerAuthProblems(url, auth, BROKER_NAMES)[0];
  if (problem) throw new UsageError(`${problem.name}: ${problem.problem}`);
  return { url, credentials: loadBrokerCredentials(auth, BROKER_NAMES) };
}

interface Connection {
  client: OperatorClient;
  devicePublicKey: Uint8Array;
  deviceBoxKey: Uint8Array;
  /** Signs `type`/`body` with --key, sends it, and returns the device's verified, signed result. */
  send<T extends CommandType>(type: T, body: CommandBodies[T]): Promise<CommandResultMessage<T>>;
}

/** Connects with the connection options, runs `use`, disconnects; the key is wiped at the end. */
async function withConnection<R>(args: ParsedArgs, io: CliIo, use: (c: Connection) => Promise<R>): Promise<R> {
  const { OperatorClient, buildCommand, loadSodium, parseDeviceIdentityArg, publicKeyBytes, readOperatorKeyFile } = await operatorSdk();
  const key = readOperatorKeyFile(resolve(io.cwd, requireValue(args, "key")));
  const identity = parseDeviceIdentityArg(requireValue(args, "device-key"), (p) => readFileSync(resolve(io.cwd, p), "utf8"));
  const devicePublicKey = identity.signingPublicKey;
  const boxArg = args.values["device-box-key"];
  const deviceBoxKey = boxArg !== undefined ? publicKeyBytes(boxArg, "--device-box-key") : identity.boxPublicKey;
  if (!deviceBoxKey) {
    throw new UsageError("commands are sealed to the gate's box key: pass --device-key @FILE with the output of `facegate audit device-key --json` on the terminal, or --device-box-key KEY");
  }
  const site = requireValue(args, "site");
  const gate = requireValue(args, "gate");
  const ttlMs = intValue(args, "ttl", 5 * 60_000);
  const timeoutMs = intValue(args, "timeout", 10_000);
  const broker = brokerConnection(args, io);
  const client = new OperatorClient({ ...broker, prefix: args.values["prefix"] ?? DEFAULT_TOPIC_PREFIX, protocolVersion: protocolVersion(args) });
  try {
    await client.start(timeoutMs);
    let first = true;
    return await use({
      client,
      devicePublicKey,
      deviceBoxKey,
      async send(type, body) {
        // --id names the first command only: every command needs its own id.
        const id = first && args.values["id"] ? { id: args.values["id"] } : {};
        first = false;
        const command = await buildCommand({ site, gate, type, body, key, sealTo: deviceBoxKey, ttlMs, ...id });
        return client.send(command, { devicePublicKey, timeoutMs });
      },
    });
  } finally {
    (await loadSodium()).memzero(key.secretKey);
    await client.stop();
  }
}

async function sendCommand<T extends CommandType>(args: ParsedArgs, io: CliIo, type: T, body: CommandBodies[T]): Promise<CommandResultMessage<T>> {
  return withConnection(args, io, (c) => c.send(type, body));
}

function report(args: ParsedArgs, io: CliIo, result: CommandResultMessage): number {
  if (args.flags.has("json")) io.out(JSON.stringify(result));
  else if (result.status === "ok") io.out(`ok ${result.commandId} (signed by device key ${result.deviceKeyId})\n${JSON.stringify(result.result ?? {}, null, 2)}`);
  else io.err(`refused ${result.commandId ?? ""}: ${result.error?.code}: ${result.error?.message}`);
  return result.status === "ok" ? EXIT.ok : EXIT.failure;
}

async function send(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["type", "body", ...CONNECTION], usage: usageOf("send") });
  positionals(args, []);
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
  const args = parseArgs(argv, { values: ["subject", "reason", "reference", "receipt-out", ...CONNECTION], usage: usageOf("delete") });
  positionals(args, []);
  const body: CommandBodies["subject.delete"] = {
    subjectRef: requireValue(args, "subject"),
    reason: (args.values["reason"] ?? "operator_request") as CommandBodies["subject.delete"]["reason"],
    ...(args.values["reference"] ? { reference: args.values["reference"] } : {}),
  };
  const result = await sendCommand(args, io, "subject.delete", body);
  const out = args.values["receipt-out"];
  if (out && result.status === "ok" && result.result) {
    // The receipt holds an opaque subject reference and counts only; 0640 like an audit export.
    writeFileSync(resolve(io.cwd, out), `${JSON.stringify(result.result.receipt, null, 1)}\n`, { mode: 0o640 });
  }
  return report(args, io, result);
}

async function status(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: [...CONNECTION], usage: usageOf("status") });
  positionals(args, []);
  return report(args, io, await sendCommand(args, io, "gate.status", {}));
}

/** A command the device refused: its signed error result, reported as such. */
class Refused extends Error {
  constructor(readonly result: CommandResultMessage) {
    super(`${result.error?.code}: ${result.error?.message}`);
  }
}

function expectOk<T extends CommandType>(r: CommandResultMessage<T>): NonNullable<CommandResultMessage<T>["result"]> {
  if (r.status !== "ok" || r.result === undefined) throw new Refused(r);
  return r.result;
}

async function auditExport(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["out", "chunk", ...CONNECTION], usage: usageOf("audit-export") });
  positionals(args, []);
  const out = resolve(io.cwd, requireValue(args, "out"));
  const chunk = intValue(args, "chunk", 200);
  const { downloadAuditLog } = await operatorSdk();
  let doc;
  try {
    doc = await withConnection(args, io, async (c) => {
      const status = expectOk(await c.send("gate.status", {}));
      return downloadAuditLog({
        chunk,
        device: { keyId: status.deviceKeyId, signingPublicKey: toBase64(c.devicePublicKey) },
        now: () => Date.now(),
        fetchChunk: async (offset, limit) => expectOk(await c.send("audit.export", { offset, limit })),
      });
    });
  } catch (err) {
    if (err instanceof Refused) return report(args, io, err.result);
    throw err;
  }
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`, { mode: 0o640 });
  const info = { file: out, entries: doc.entries.length, checkpoints: doc.checkpoints.length };
  if (args.flags.has("json")) io.out(JSON.stringify(info));
  else io.out(`${info.entries} audit entries and ${info.checkpoints} signed checkpoints written to ${out}; check with: facegate audit verify ${out} --device-key KEY`);
  return EXIT.ok;
}

async function watch(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["broker", "site", "gate", "device-key", "device-keys", "category", "client-id", "count", "timeout", "prefix", "mqtt-version", ...BROKER], usage: usageOf("watch") });
  positionals(args, []);
  const deviceKeys = pinnedDeviceKeys(args, io, await operatorSdk());
  const categories = args.values["category"]?.split(",").map((c) => c.trim());
  if (categories?.some((c) => !(EVENT_CATEGORIES as readonly string[]).includes(c))) throw new UsageError(`--category must be among ${EVENT_CATEGORIES.join(", ")}`);
  const count = args.values["count"] ? intValue(args, "count", 1) : Infinity;
  const { OperatorClient } = await operatorSdk();
  const client = new OperatorClient({
    ...brokerConnection(args, io),
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
    deviceKeys,
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
  if (!args.flags.has("json")) io.err(`${seen} events, ${w.duplicates} duplicates dropped, ${w.rejected} not signed by the gate's key dropped`);
  return EXIT.ok;
}

/** The device keys `watch` believes: one gate's (--site, --gate, --device-key) or a file of them (--device-keys). */
function pinnedDeviceKeys(args: ParsedArgs, io: CliIo, sdk: Pick<Awaited<ReturnType<typeof operatorSdk>>, "parseDeviceIdentityArg" | "publicKeyBytes">): DeviceKeyLookup {
  const { parseDeviceIdentityArg, publicKeyBytes } = sdk;
  const one = args.values["device-key"];
  const many = args.values["device-keys"];
  if (one !== undefined && many !== undefined) throw new UsageError("give --device-key (one gate) or --device-keys (many), not both");
  if (one !== undefined) {
    const site = requireValue(args, "site");
    const gate = requireValue(args, "gate");
    const key = parseDeviceIdentityArg(one, (p) => readFileSync(resolve(io.cwd, p), "utf8")).signingPublicKey;
    return (s, g) => (s === site && g === gate ? key : undefined);
  }
  if (many === undefined) throw new UsageError("watch believes only events signed by a pinned device key: give --site, --gate and --device-key, or --device-keys FILE");
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(resolve(io.cwd, many), "utf8"));
  } catch (err) {
    throw new UsageError(`--device-keys ${many}: cannot read a JSON object (${(err as Error).message})`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new UsageError(`--device-keys ${many}: must be a JSON object {"<site>/<gate>": "<key>"}`);
  const keys = new Map(Object.entries(doc as Record<string, unknown>).map(([address, key]) => [address, publicKeyBytes(String(key), `--device-keys ${many}: ${address}`)] as const));
  return (s, g) => keys.get(`${s}/${g}`);
}
