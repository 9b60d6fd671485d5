/**
 * Reads a JSON configuration file and parses it, every problem a ConfigError that names
 * the file: unreadable, not JSON, or what `parse` refuses (relative paths in it resolve
 * against the file's folder). The device's and the site service's configurations load
 * through it.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../../sdk/errors.js";

export function loadJsonConfig<T>(file: string, what: string, parse: (raw: unknown, baseDir: string) => T): T {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`, { file });
  }
  try {
    return parse(raw, dirname(resolve(file)));
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`, { ...err.details, file });
    throw err;
  }
}
