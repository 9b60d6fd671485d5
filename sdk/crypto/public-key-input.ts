/**
 * Reads a device public signing key given on a command line: base64 text, or a file
 * holding base64 text or the 32 raw bytes. Used by the offline verifiers (receipts and
 * audit exports), which must take the key from a trusted source, never from the
 * document being verified.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { KeyError } from "../errors.js";

const KEY_BYTES = 32;

export function readPublicKey(value: string, cwd: string = process.cwd()): Uint8Array {
  const path = resolve(cwd, value);
  if (existsSync(path) && statSync(path).isFile()) {
    const raw = readFileSync(path);
    if (raw.length === KEY_BYTES) return new Uint8Array(raw);
    return decode(raw.toString("utf8"), `file ${path}`);
  }
  return decode(value, "--device-key");
}

function decode(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : Buffer.alloc(0);
  if (bytes.length !== KEY_BYTES) {
    throw new KeyError("key_invalid", `${source} is not a device public key (expected ${KEY_BYTES} bytes as base64, or a file with the key)`);
  }
  return new Uint8Array(bytes);
}
