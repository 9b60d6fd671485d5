/**
 * The site service's data key: 32 random bytes (base64 on one line) in a file of mode 0600,
 * created at the first start (never overwritten), refused when group or others can read
 * it. Cards, PINs and operator keys in the site database are sealed under it (the store
 * derives its keys from it), so the database alone reveals none of them.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { KeyError } from "../../sdk/errors.js";
import { fromBase64, toBase64 } from "../../sdk/protocol/index.js";

export function readDataKeyFile(path: string, options: { create?: boolean } = {}): Uint8Array {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    if (!options.create) throw new KeyError("key_file_missing", `${path}: no data key file (facegate site serve creates it at first start)`, { path });
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const key = new Uint8Array(randomBytes(32));
    writeFileSync(path, `${toBase64(key)}\n`, { mode: 0o600, flag: "wx" });
    return key;
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new KeyError("key_file_permissions", `${path}: data key file is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path}`, { path });
  }
  const key = fromBase64(readFileSync(path, "utf8").trim());
  if (!key || key.length !== 32) throw new KeyError("key_file_invalid", `${path}: not a data key file (base64 of 32 bytes)`, { path });
  return key;
}
