import { chmodSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../../../sdk/protocol/index.js";
import { generateOperatorKey, parsePublicKeyArg, readOperatorKeyFile, writeOperatorKeyFile } from "../../../sdk/operator/key-file.js";
import { DuplicateFilter } from "../../../sdk/operator/duplicate-filter.js";

describe("operator key files", () => {
  it("writes mode 0600, never overwrites, and reads back the same key", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "fg-key-")), "op.key");
    const key = await generateOperatorKey();
    writeOperatorKeyFile(path, key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => writeOperatorKeyFile(path, key)).toThrow(/refusing to overwrite/);
    const back = readOperatorKeyFile(path);
    expect(back.keyId).toBe(key.keyId);
    expect(Buffer.from(back.secretKey).equals(Buffer.from(key.secretKey))).toBe(true);
    expect(parsePublicKeyArg(`@${path}`)).toEqual(key.publicKey);
    expect(parsePublicKeyArg(toBase64(key.publicKey))).toEqual(key.publicKey);
  });

  it("refuses a key file that others can read", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "fg-key-")), "op.key");
    writeOperatorKeyFile(path, await generateOperatorKey());
    chmodSync(path, 0o644);
    expect(() => readOperatorKeyFile(path)).toThrow(/chmod 600/);
    expect(readFileSync(path, "utf8")).toContain("facegate-operator-key");
  });
});

describe("DuplicateFilter", () => {
  it("accepts an id once, counts repeats, and stays bounded", () => {
    const f = new DuplicateFilter(2);
    expect([f.accept("a"), f.accept("a"), f.accept("b"), f.accept("c"), f.accept("a")]).toEqual([true, false, true, true, true]);
    expect(f.duplicates).toBe(1);
    expect(f.size).toBe(2);
  });
});
