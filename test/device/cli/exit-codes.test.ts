/**
 * CLI exit codes follow the error's class, never its code string: 2 usage, 3 configuration
 * (FaceOnlyError included), 4 models, 5 integrity (IntegrityError, CorruptStoreError, a
 * receipt or audit export that does not verify), 6 keys, 1 anything else.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, UsageError, exitCodeFor } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { loadDeviceConfig } from "../../../device/config/device-config.js";
import { verifiedModels } from "../../../models/verify.js";
import { parseGatePolicies } from "../../../sdk/policy/gate-policy.js";
import { FileKeyProvider } from "../../../sdk/crypto/key-provider.js";
import {
  ConfigError,
  ConsentError,
  CorruptStoreError,
  FaceOnlyError,
  FacegateError,
  HardwareError,
  ImageError,
  IntegrityError,
  KeyError,
  ModelError,
  NotFoundError,
  StoreError,
  TransportError,
  VerificationError,
} from "../../../sdk/errors.js";
import { openDatabase } from "../../../sdk/store/database.js";
import { CommandError } from "../../../sdk/protocol/command-error.js";
import { VaultError } from "../../../sdk/vault/vault-error.js";

function io(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
}

/** Whatever `fn` throws. */
async function thrownBy(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

/** A class whose codes look like those of other classes: the exit code must not be fooled. */
class LookalikeError extends FacegateError<"integrity_looking" | "key_looking" | "store_corrupt" | "config_invalid"> {}

describe("CLI exit codes by error class", () => {
  it("maps each class, subclasses included, to its exit code", () => {
    const table: Array<[unknown, number]> = [
      [new UsageError("usage: facegate x"), EXIT.usage],
      [new ConfigError("gates[0].mode: unknown mode"), EXIT.config],
      [new FaceOnlyError("gates[0]: face would be the only way in (L2)"), EXIT.config],
      [new ModelError("model file fr_detect.onnx is missing"), EXIT.model],
      [new IntegrityError("integrity_template", "a template ciphertext failed authentication"), EXIT.integrity],
      [new IntegrityError("integrity_wrapped_key", "a wrapped data key failed authentication"), EXIT.integrity],
      [new CorruptStoreError("database device.db is corrupt"), EXIT.integrity],
      [new VerificationError("receipt_unverified", "receipt does NOT verify"), EXIT.integrity],
      [new VerificationError("audit_unverified", "audit log does NOT verify"), EXIT.integrity],
      [new KeyError("key_missing", "key file does not exist"), EXIT.key],
      [new KeyError("key_permissions", "key file is readable by others"), EXIT.key],
      [new StoreError("store_open_failed", "cannot open database"), EXIT.failure],
      [new StoreError("store_too_new", "database is newer than this software"), EXIT.failure],
      [new ConsentError("consent_missing", "no consent"), EXIT.failure],
      [new ImageError("image_corrupt", "not an image"), EXIT.failure],
      [new HardwareError("hardware_failed", "relay failed"), EXIT.failure],
      [new TransportError("command_timeout", "no answer"), EXIT.failure],
      [new NotFoundError("no such subject"), EXIT.failure],
      [new CommandError("command_unknown_key", "unknown operator key"), EXIT.failure],
      [new VaultError("template_limit", "at most 10 templates"), EXIT.failure],
      [new Error("plain"), EXIT.failure],
      ["a string", EXIT.failure],
    ];
    expect(table.map(([err]) => exitCodeFor(err))).toEqual(table.map(([, code]) => code));
  });

  it("ignores code strings: an error of another class with an integrity, key, store or config code exits 1", () => {
    for (const code of ["integrity_looking", "key_looking", "store_corrupt", "config_invalid"] as const) {
      expect(exitCodeFor(new LookalikeError(code, "looks like something else")), code).toBe(EXIT.failure);
    }
  });

  it("the errors the SDK and device really throw carry the class of their exit code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-exit-"));
    writeFileSync(join(dir, "garbage.db"), "this is not a SQLite database, it is text ".repeat(200));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ version: 1 }));
    const corrupt = await thrownBy(() => openDatabase({ path: join(dir, "garbage.db"), migrations: [] }));
    expect(corrupt).toBeInstanceOf(CorruptStoreError);
    expect(corrupt).toMatchObject({ code: "store_corrupt" });
    const missingKey = await thrownBy(() => new FileKeyProvider({ path: join(dir, "no.key") }).loadMasterKey({ create: false }));
    const badConfig = await thrownBy(() => loadDeviceConfig(join(dir, "config.json")));
    const faceOnly = await thrownBy(() => parseGatePolicies([{ gateId: "lobby", mode: "face_only" }], "gates"));
    const noModels = await thrownBy(() => verifiedModels(dir).read("detect"));
    expect([corrupt, missingKey, badConfig, faceOnly, noModels].map(exitCodeFor)).toEqual([EXIT.integrity, EXIT.key, EXIT.config, EXIT.config, EXIT.model]);
  });

  it("receipt verify and audit verify fail with a VerificationError: exit 5 with its code, after the --json report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-exit-"));
    const key = Buffer.alloc(32, 7).toString("base64");
    writeFileSync(join(dir, "receipt.json"), JSON.stringify({ format: "not-a-receipt" }));
    writeFileSync(join(dir, "audit.json"), JSON.stringify({ format: "not-an-audit-export" }));
    const r = io(dir);
    expect(await main(["receipt", "verify", "receipt.json", "--device-key", key, "--json"], r)).toBe(EXIT.integrity);
    expect(JSON.parse(r.stdout[0]!)).toMatchObject({ ok: false, reason: expect.any(String) });
    expect(r.stderr.join("\n")).toMatch(/receipt_unverified: receipt does NOT verify/);
    const a = io(dir);
    expect(await main(["audit", "verify", "audit.json", "--device-key", key], a)).toBe(EXIT.integrity);
    expect(a.stderr.join("\n")).toMatch(/audit_unverified: audit log does NOT verify/);
    const o = io(dir);
    expect(await main(["operator", "verify-receipt", "receipt.json", "--device-key", key], o)).toBe(EXIT.integrity);
    expect(o.stderr.join("\n")).toMatch(/receipt_unverified/);
  });
});
