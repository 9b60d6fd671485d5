/**
 * `facegate broker-config`: writes a Mosquitto 2 configuration and ACL file for one site
 * (device/broker/mosquitto-config.ts): TLS listener, no anonymous clients, client
 * certificates (CN = user name) or a password file, and an ACL that confines each gate to
 * its own topics and lets operators read their site and send commands.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_TOPIC_PREFIX } from "../../../sdk/protocol/index.js";
import { type BrokerAuthMode, mosquittoConfig } from "../../broker/mosquitto-config.js";
import { loadDeviceConfig } from "../../config/device-config.js";
import { intValue, parseArgs, positionals, requireValue } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";

export const summary = "write a Mosquitto config and ACL for a site (TLS, client certificates or passwords, per-gate topics)";

export const usage = [
  "usage: facegate broker-config --out DIR (--config FILE | --site S --gates G1,G2 [--prefix P]) --operators NAME,...",
  "         [--auth certificate|password] [--port 8883] [--bind ADDR] [--ca FILE] [--cert FILE] [--key FILE]",
  "         [--acl-file PATH] [--password-file PATH] [--persistence DIR] [--user U] [--json]",
  "  Writes DIR/mosquitto.conf and DIR/acl. --config takes site, gates and prefix from a device configuration.",
  "  --auth certificate (default): clients present certificates signed by --ca; the CN is the user name.",
  "  --auth password: users in --password-file (make it with mosquitto_passwd); TLS still required.",
  "  --ca/--cert/--key: the broker's TLS files as the broker reads them (default /etc/mosquitto/certs/ca.crt,",
  "  server.crt, server.key); --acl-file: where the broker reads the ACL (default DIR/acl).",
  "  User names: gate.<site>.<gate> for each gate, operator.<site>.<name> for each operator.",
].join("\n");

const VALUES = ["out", "config", "site", "gates", "prefix", "operators", "auth", "port", "bind", "ca", "cert", "key", "acl-file", "password-file", "persistence", "user"] as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: VALUES, usage });
  positionals(args, []);
  const v = args.values;
  const out = resolve(io.cwd, requireValue(args, "out"));
  let site: string;
  let gates: string[];
  let prefix: string;
  if (v["config"] !== undefined) {
    if (v["site"] !== undefined || v["gates"] !== undefined) throw new UsageError("give --config or --site and --gates, not both");
    const config = loadDeviceConfig(resolve(io.cwd, v["config"]));
    site = config.site.id;
    gates = config.gates.map((g) => g.gateId);
    prefix = v["prefix"] ?? config.mqtt?.prefix ?? DEFAULT_TOPIC_PREFIX;
  } else {
    site = requireValue(args, "site");
    gates = list(requireValue(args, "gates"));
    prefix = v["prefix"] ?? DEFAULT_TOPIC_PREFIX;
  }
  const operators = list(requireValue(args, "operators"));
  const auth = (v["auth"] ?? "certificate") as BrokerAuthMode;
  if (auth !== "certificate" && auth !== "password") throw new UsageError("--auth must be certificate or password");
  const aclFile = v["acl-file"] ?? join(out, "acl");
  const passwordFile = auth === "password" ? (v["password-file"] ?? "/etc/mosquitto/facegate.passwd") : undefined;
  if (auth === "certificate" && v["password-file"] !== undefined) throw new UsageError("--password-file goes with --auth password");
  const generated = mosquittoConfig({
    site,
    gates,
    operators,
    prefix,
    auth,
    port: intValue(args, "port", 8883),
    ...(v["bind"] ? { bind: v["bind"] } : {}),
    tls: { caFile: v["ca"] ?? "/etc/mosquitto/certs/ca.crt", certFile: v["cert"] ?? "/etc/mosquitto/certs/server.crt", keyFile: v["key"] ?? "/etc/mosquitto/certs/server.key" },
    aclFile,
    ...(passwordFile ? { passwordFile } : {}),
    persistenceDir: v["persistence"] ?? "/var/lib/mosquitto/",
    ...(v["user"] ? { user: v["user"] } : {}),
  });
  mkdirSync(out, { recursive: true });
  const confFile = join(out, "mosquitto.conf");
  writeFileSync(confFile, generated.conf, { mode: 0o644 });
  writeFileSync(join(out, "acl"), generated.acl, { mode: 0o644 });
  if (args.flags.has("json")) {
    io.out(JSON.stringify({ conf: confFile, acl: join(out, "acl"), auth, users: generated.users }));
    return EXIT.ok;
  }
  const lines = [`wrote ${confFile} and ${join(out, "acl")} for site ${site} (${gates.length} gates, ${operators.length} operators)`, `run: mosquitto -c ${confFile}`, ""];
  if (auth === "certificate") {
    lines.push("issue each client a certificate signed by the CA, with this common name (CN):");
    for (const u of generated.users) lines.push(`  ${u.role.padEnd(8)} CN=${u.username}`);
    lines.push("the gate's configuration: mqtt.caFile, mqtt.certFile, mqtt.keyFile (mode 0600); operators: --ca --tls-cert --tls-key");
  } else {
    lines.push(`create the users (each asks for a password):`);
    generated.users.forEach((u, i) => lines.push(`  mosquitto_passwd ${i === 0 ? "-c " : ""}${passwordFile} ${u.username}`));
    lines.push("the gate's configuration: mqtt.caFile, mqtt.username, mqtt.passwordFile (mode 0600); operators: --ca --username --password-file");
  }
  io.out(lines.join("\n"));
  return EXIT.ok;
}

function list(s: string): string[] {
  return s.split(",").map((x) => x.trim()).filter((x) => x !== "");
}
