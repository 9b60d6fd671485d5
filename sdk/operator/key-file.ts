/**
 * Operator key files. A key file holds one Ed25519 key pair as JSON and is created with
 * mode 0600 (never overwritten); reading refuses a file that group or others can read
 * (SPEC section 6: key files are private to their user). The public key is what the
 * installer enrols on the device (config) or an admin adds with operator.key_add.
 *
 * The site key (it signs site deletion certificates, sdk/site/certificate) uses the same
 * file with `kind: "facegate-site-key"`: reading asks for one kind, so a site key file is
 * never taken for an operator's command key, nor the other way round.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { KeyError } from "../errors.js";
import { type Ed25519KeyPair, ED25519_PUBLIC_KEY_BYTES, generateEd25519KeyPair, keyIdFor } from "../crypto/keys.js";
import { fromBase64, toBase64 } from "../protocol/index.js";

export type KeyFileKind = "facegate-operator-key" | "facegate-site-key";

const KIND_NAMES: Record<KeyFileKind, string> = { "facegate-operator-key": "facegate operator key file", "facegate-site-key": "facegate site key file" };

export interface OperatorKeyFile {
  v: 1;
  kind: KeyFileKind;
  keyId: string;
  publicKey: string;
  secretKey: string;
}

export async function generateOperatorKey(): Promise<Ed25519KeyPair> {
  return generateEd25519KeyPair();
}

export function writeOperatorKeyFile(path: string, key: Ed25519KeyPair, kind: KeyFileKind = "facegate-operator-key"): void {
  const file: OperatorKeyFile = { v: 1, kind, keyId: key.keyId, publicKey: toBase64(key.publicKey), secretKey: toBase64(key.secretKey) };
  try {
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new KeyError("key_file_exists", `${path}: already exists; refusing to overwrite a key`, { path });
    throw new KeyError("key_file_unwritable", `${path}: cannot write the key file (${code ?? "error"})`, { path });
  }
}

export function readOperatorKeyFile(path: string, kind: KeyFileKind = "facegate-operator-key"): Ed25519KeyPair {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new KeyError("key_file_missing", `${path}: no such key file`, { path });
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new KeyError("key_file_permissions", `${path}: key file is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path}`, { path });
  }
  let file: Partial<OperatorKeyFile>;
  try {
    file = JSON.parse(readFileSync(path, "utf8")) as Partial<OperatorKeyFile>;
  } catch {
    throw new KeyError("key_file_invalid", `${path}: not a ${KIND_NAMES[kind]}`, { path });
  }
  const publicKey = typeof file.publicKey === "string" ? fromBase64(file.publicKey) : undefined;
  const secretKey = typeof file.secretKey === "string" ? fromBase64(file.secretKey) : undefined;
  if (file.kind !== kind || !publicKey || publicKey.length !== 32 || !secretKey || secretKey.length !== 64) {
    throw new KeyError("key_file_invalid", `${path}: not a ${KIND_NAMES[kind]}`, { path });
  }
  if (Buffer.compare(Buffer.from(secretKey.subarray(32)), Buffer.from(publicKey)) !== 0) {
    throw new KeyError("key_file_invalid", `${path}: public and secret key do not match`, { path });
  }
  return { keyId: keyIdFor(publicKey), publicKey, secretKey };
}

/** A gate's public identity: the signing key its messages verify against, and the box key commands are sealed to. */
export interface DeviceIdentity {
  signingPublicKey: Uint8Array;
  /** Absent when only a bare signing key was given. */
  boxPublicKey?: Uint8Array;
}

/**
 * A device's public keys given on the command line: base64 of the signing key, or `@FILE`
 * holding base64, or JSON: the device identity printed by `facegate audit device-key
 * --json` (`signingPublicKey`, `boxPublicKey`) or a key file (`publicKey`).
 */
export function parseDeviceIdentityArg(arg: string, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): DeviceIdentity {
  let text = arg.trim();
  let box: string | undefined;
  if (text.startsWith("@")) {
    const content = readFile(text.slice(1)).trim();
    text = content;
    if (content.startsWith("{")) {
      let obj: { publicKey?: unknown; signingPublicKey?: unknown; boxPublicKey?: unknown };
      try {
        obj = JSON.parse(content) as typeof obj;
      } catch {
        throw new KeyError("key_invalid", `${arg.slice(1)}: is not JSON`);
      }
      const signing = obj.signingPublicKey ?? obj.publicKey;
      text = typeof signing === "string" ? signing : "";
      box = typeof obj.boxPublicKey === "string" ? obj.boxPublicKey : undefined;
    }
  }
  const signingPublicKey = publicKeyBytes(text, "public key");
  return box === undefined ? { signingPublicKey } : { signingPublicKey, boxPublicKey: publicKeyBytes(box, "box public key") };
}

/** Base64 of a 32-byte public key, or a KeyError naming `what`. */
export function publicKeyBytes(text: string, what: string): Uint8Array {
  const pk = fromBase64(text.trim());
  if (!pk || pk.length !== ED25519_PUBLIC_KEY_BYTES) throw new KeyError("key_invalid", `${what}: must be base64 of 32 bytes (or @FILE)`);
  return pk;
}

/**
 * A public key given on the command line: base64, or `@FILE` holding base64 or a JSON
 * object with a `publicKey` or `signingPublicKey` field (an operator key file or a device identity file).
 */
export function parsePublicKeyArg(arg: string, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): Uint8Array {
  return parseDeviceIdentityArg(arg, readFile).signingPublicKey;
}
