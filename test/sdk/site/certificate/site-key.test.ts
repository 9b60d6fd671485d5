/**
 * The site key file: created 0600 and never overwritten, refused when others can read it,
 * and never confused with an operator's command key (each file says its kind; reading asks
 * for one). What it signs verifies against the public key it returns.
 */
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verifyDetached } from "../../../../sdk/crypto/keys.js";
import { loadSodium } from "../../../../sdk/crypto/sodium.js";
import { KeyError } from "../../../../sdk/errors.js";
import { generateOperatorKey, readOperatorKeyFile, writeOperatorKeyFile } from "../../../../sdk/operator/key-file.js";
import { createSiteKeyFile, readSiteKeyFile } from "../../../../sdk/site/certificate/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "fg-sitekey-"));

describe("site key files", () => {
  it("round-trip: the signer read back signs for the public key created", async () => {
    const path = join(tmp(), "site.key");
    const created = await createSiteKeyFile(path);
    const signer = await readSiteKeyFile(path);
    expect(signer.keyId).toBe(created.keyId);
    expect(verifyDetached(await loadSodium(), signer.sign("certificate"), "certificate", created.publicKey)).toBe(true);
    await expect(createSiteKeyFile(path)).rejects.toMatchObject({ code: "key_file_exists" });
  });

  it("refuses a file others can read, and keeps site and operator keys apart", async () => {
    const dir = tmp();
    const site = join(dir, "site.key");
    await createSiteKeyFile(site);
    const operator = join(dir, "operator.key");
    writeOperatorKeyFile(operator, await generateOperatorKey());
    await expect(readSiteKeyFile(operator)).rejects.toMatchObject({ code: "key_file_invalid", message: expect.stringMatching(/not a facegate site key file/) });
    expect(() => readOperatorKeyFile(site)).toThrow(KeyError);
    expect(readOperatorKeyFile(operator).keyId).toMatch(/^[0-9a-f]{32}$/);
    chmodSync(site, 0o640);
    await expect(readSiteKeyFile(site)).rejects.toMatchObject({ code: "key_file_permissions" });
    await expect(readSiteKeyFile(join(dir, "none.key"))).rejects.toMatchObject({ code: "key_file_missing" });
  });
});
