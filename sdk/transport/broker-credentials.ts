/**
 * How a client proves itself to the broker and checks the broker: TLS trust (a CA file),
 * an optional client certificate and key, and a username with a password read from a file.
 * The device configuration (`mqtt`) and the operator CLI both name files; this module reads
 * them once, at start, with the checks a secret deserves:
 *
 * - the client key and the password file must be private to the user running the process
 *   (no group or other bits, owned by that user), as the device master key file is
 *   (crypto/key-provider.ts); a readable one is refused, never "fixed";
 * - a password never comes from the URL (`mqtts://user:pass@host` is refused where the URL
 *   is read: device config and CLI), only from its file; the file holds the password on
 *   its first line (a trailing newline is ignored).
 *
 * Errors read `<name>: problem` with the name of the option the file came from, and never
 * hold the file's contents.
 */
import { lstatSync, readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";

export interface BrokerAuthFiles {
  /** PEM file of the CA(s) that signed the broker's certificate; default: the system's trusted CAs. */
  caFile?: string;
  /** PEM client certificate (with `keyFile`): the broker may take its identity as the username. */
  certFile?: string;
  /** PEM private key of `certFile`; must be mode 0600 (or stricter) and owned by this user. */
  keyFile?: string;
  username?: string;
  /** File holding the broker password; must be private like `keyFile`. Needs `username`. */
  passwordFile?: string;
}

/** What the MQTT connection hands to TLS and CONNECT. */
export interface BrokerCredentials {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  username?: string;
  password?: Buffer;
}

/** The option names used in error messages (device config: `mqtt.caFile`; CLI: `--ca`). */
export type BrokerAuthNames = { readonly [K in keyof BrokerAuthFiles | "url"]-?: string };

export const CONFIG_AUTH_NAMES: BrokerAuthNames = {
  url: "mqtt.url",
  caFile: "mqtt.caFile",
  certFile: "mqtt.certFile",
  keyFile: "mqtt.keyFile",
  username: "mqtt.username",
  passwordFile: "mqtt.passwordFile",
};

/** Checks which combinations make sense (no file is read); returns `name: problem` lines. */
export function brokerAuthProblems(url: string, auth: BrokerAuthFiles, names: BrokerAuthNames = CONFIG_AUTH_NAMES): Array<{ name: string; problem: string }> {
  const out: Array<{ name: string; problem: string }> = [];
  const tls = /^(mqtts|wss):\/\//i.test(url);
  if (urlHasCredentials(url)) out.push({ name: names.url, problem: `must not hold a user name or password (use ${names.username} and ${names.passwordFile}: a file with checked permissions)` });
  if ((auth.certFile === undefined) !== (auth.keyFile === undefined)) out.push({ name: auth.certFile === undefined ? names.certFile : names.keyFile, problem: `${names.certFile} and ${names.keyFile} go together` });
  if (!tls) {
    for (const k of ["caFile", "certFile", "keyFile"] as const) if (auth[k] !== undefined) out.push({ name: names[k], problem: "needs an mqtts:// or wss:// URL (TLS)" });
    if (auth.passwordFile !== undefined && !isLoopback(url)) out.push({ name: names.passwordFile, problem: "a password over mqtt:// or ws:// travels in clear: use an mqtts:// or wss:// URL" });
  }
  if (auth.passwordFile !== undefined && auth.username === undefined) out.push({ name: names.passwordFile, problem: `needs ${names.username}` });
  return out;
}

/** True if the URL carries `user@` or `user:password@`. */
export function urlHasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== "" || u.password !== "";
  } catch {
    return /^[a-z]+:\/\/[^/]*@/i.test(url);
  }
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** Reads the files named in `auth`, checking the private ones; throws ConfigError (`name: problem`). */
export function loadBrokerCredentials(auth: BrokerAuthFiles, names: BrokerAuthNames = CONFIG_AUTH_NAMES): BrokerCredentials {
  const out: BrokerCredentials = {};
  if (auth.caFile !== undefined) out.ca = readPem(auth.caFile, names.caFile, "CERTIFICATE");
  if (auth.certFile !== undefined) out.cert = readPem(auth.certFile, names.certFile, "CERTIFICATE");
  if (auth.keyFile !== undefined) {
    checkPrivate(auth.keyFile, names.keyFile);
    out.key = readPem(auth.keyFile, names.keyFile, "PRIVATE KEY");
  }
  if (auth.username !== undefined) out.username = auth.username;
  if (auth.passwordFile !== undefined) {
    checkPrivate(auth.passwordFile, names.passwordFile);
    const bytes = readFile(auth.passwordFile, names.passwordFile);
    let end = bytes.indexOf(0x0a);
    if (end === -1) end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    const password = Buffer.from(bytes.subarray(0, end));
    bytes.fill(0);
    if (password.length === 0) throw new ConfigError(`${names.passwordFile}: ${auth.passwordFile} is empty (the password goes on its first line)`, { path: names.passwordFile });
    out.password = password;
  }
  return out;
}

function readFile(file: string, name: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { path: name, file });
  }
}

function readPem(file: string, name: string, kind: "CERTIFICATE" | "PRIVATE KEY"): Buffer {
  const bytes = readFile(file, name);
  // "PRIVATE KEY" also matches "RSA PRIVATE KEY" and "EC PRIVATE KEY".
  if (!bytes.includes(`-----BEGIN `) || !bytes.includes(`${kind}-----`)) {
    bytes.fill(0);
    throw new ConfigError(`${name}: ${file} is not a PEM file holding a ${kind.toLowerCase()}`, { path: name, file });
  }
  return bytes;
}

function checkPrivate(file: string, name: string): void {
  let st;
  try {
    st = lstatSync(file);
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { path: name, file });
  }
  if (!st.isFile()) throw new ConfigError(`${name}: ${file} is not a regular file`, { path: name, file });
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${name}: ${file} has mode ${mode.toString(8).padStart(4, "0")}; it must be private to this user (chmod 600)`, { path: name, file, mode: mode.toString(8) });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new ConfigError(`${name}: ${file} is owned by uid ${st.uid}, not this user (uid ${uid})`, { path: name, file });
}
