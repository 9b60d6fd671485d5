/**
 * Reads a device public signing key given on a command line: base64 text, or a file
 * (`FILE` or `@FILE`) holding base64 text, the 32 raw bytes, or the device identity JSON
 * of `facegate audit device-key --json` (its `signingPublicKey`). Used by the offline verifiers (receipts and
 * audit exports), which must take the key from a trusted source, never from the
 * document being verified.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { KeyError } from "../errors.js";

const KEY_BYTES = 32;

export function readPublicKey(value: string, cwd: string = process.cwd()): Uint8Array {
  const path = resolve(cwd, value.startsWith("@") ? value.slice(1) : value);
  if (existsSync(path) && statSync(path).isFile()) {
    const raw = readFileSync(path);
    if (raw.length === KEY_BYTES) return new Uint8Array(raw);
    const text = raw.toString("utf8").trim();
    return decode(text.startsWith("{") ? signingKeyOf(text, path) : text, `file ${path}`);
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

function signingKeyOf(json: string, path: string): string {
  try {
    const doc = JSON.parse(json) as { signingPublicKey?: unknown; publicKey?: unknown };
    const key = doc.signingPublicKey ?? doc.publicKey;
    return typeof key === "string" ? key : "";
  } catch {
    throw new KeyError("key_invalid", `file ${path} is not JSON nor a device public key`);
  }
}
