/**
 * A small, strict reader for JSON configuration: every accessor takes a path and throws
 * ConfigError with `path: problem`. Unknown keys are refused, so a typo never silently
 * falls back to a default.
 */
import { ConfigError } from "../../sdk/errors.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class ConfigReader {
  constructor(
    readonly value: unknown,
    readonly path: string,
  ) {}

  fail(problem: string): never {
    throw new ConfigError(`${this.path || "(root)"}: ${problem}`, { path: this.path });
  }

  private isObject(): boolean {
    return typeof this.value === "object" && this.value !== null && !Array.isArray(this.value);
  }

  /** Reads an object, refusing keys outside `allowed`. */
  object(allowed: readonly string[]): ConfigReader {
    if (!this.isObject()) this.fail("must be an object");
    for (const key of Object.keys(this.value as object)) {
      if (!allowed.includes(key)) this.at(key).fail(`unknown key (allowed: ${allowed.join(", ")})`);
    }
    return this;
  }

  at(key: string | number): ConfigReader {
    const child = this.isObject() || Array.isArray(this.value) ? (this.value as Record<string, unknown>)[key as string] : undefined;
    const path = typeof key === "number" ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    return new ConfigReader(child, path);
  }

  has(key: string): boolean {
    return this.isObject() && (this.value as Record<string, unknown>)[key] !== undefined;
  }

  string(options: { pattern?: RegExp; patternHint?: string; default?: string; oneOf?: readonly string[] } = {}): string {
    if (this.value === undefined && options.default !== undefined) return options.default;
    if (this.value === undefined) this.fail("is required");
    if (typeof this.value !== "string" || this.value.length === 0) this.fail("must be a non-empty string");
    if (options.oneOf && !options.oneOf.includes(this.value)) this.fail(`must be one of ${options.oneOf.join(", ")}`);
    if (options.pattern && !options.pattern.test(this.value)) this.fail(`must be ${options.patternHint ?? `like ${options.pattern}`}`);
    return this.value;
  }

  optionalString(options: { pattern?: RegExp; patternHint?: string } = {}): string | undefined {
    return this.value === undefined || this.value === null ? undefined : this.string(options);
  }

  number(options: { min?: number; max?: number; integer?: boolean; default?: number } = {}): number {
    if (this.value === undefined && options.default !== undefined) return options.default;
    if (this.value === undefined) this.fail("is required");
    if (typeof this.value !== "number" || !Number.isFinite(this.value)) this.fail("must be a number");
    if (options.integer && !Number.isInteger(this.value)) this.fail("must be an integer");
    if (options.min !== undefined && this.value < options.min) this.fail(`must be at least ${options.min}`);
    if (options.max !== undefined && this.value > options.max) this.fail(`must be at most ${options.max}`);
    return this.value;
  }

  boolean(defaultValue?: boolean): boolean {
    if (this.value === undefined && defaultValue !== undefined) return defaultValue;
    if (typeof this.value !== "boolean") this.fail("must be true or false");
    return this.value;
  }

  array(options: { min?: number; max?: number } = {}): ConfigReader[] {
    if (this.value === undefined && options.min === undefined) return [];
    if (!Array.isArray(this.value)) this.fail("must be an array");
    if (options.min !== undefined && this.value.length < options.min) this.fail(`must have at least ${options.min} item(s)`);
    if (options.max !== undefined && this.value.length > options.max) this.fail(`must have at most ${options.max} item(s)`);
    return this.value.map((_, i) => this.at(i));
  }

  raw(): unknown {
    return this.value;
  }
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ID_HINT = "an opaque id of 1-64 letters, digits, '_' or '-' (no personal names)";
