/**
 * Defence in depth for L6: a handler's result is refused if it looks like it carries a
 * template, an image, a card number or a PIN, whatever the handler meant to do.
 */
import { CommandError } from "../protocol/command-error.js";


const FORBIDDEN_KEY = /^(pins?|cards?|cardNumbers?|templates?|embeddings?|vectors?|images?|photos?|sealedPhoto|faceData|secretKey|privateKey)$/i;

export function assertResultIsSafe(value: unknown, path = "result", depth = 0): void {
  if (depth > 32) throw new CommandError("command_failed", `${path}: result is nested too deeply`);
  if (value === null || typeof value !== "object") return;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw new CommandError("command_failed", `${path}: binary data is never returned by a command (L6)`);
  }
  if (Array.isArray(value)) {
    if (value.length > 64 && value.every((v) => typeof v === "number")) {
      throw new CommandError("command_failed", `${path}: long numeric arrays are never returned by a command (L6)`);
    }
    value.forEach((v, i) => assertResultIsSafe(v, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    // A count or a flag under such a name (a receipt's `deleted.templates`) carries no data.
    if (FORBIDDEN_KEY.test(key) && typeof v !== "number" && typeof v !== "boolean") throw new CommandError("command_failed", `${path}.${key}: this kind of data is never returned by a command (L6)`);
    assertResultIsSafe(v, `${path}.${key}`, depth + 1);
  }
}
