/**
 * The broker files: read once at start; a client key or password file that others could
 * read is refused (never repaired), errors name the option and never hold a secret.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../sdk/errors.js";
import { loadBrokerCredentials } from "../../../sdk/transport/broker-credentials.js";

const dir = mkdtempSync(join(tmpdir(), "fg-broker-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";

function file(name: string, content: string, mode: number): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

function failure(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("broker credentials", () => {
  it("reads the CA, the client certificate and key, and the password's first line", () => {
    const c = loadBrokerCredentials({
      caFile: file("ca.crt", PEM_CERT, 0o644),
      certFile: file("gate.crt", PEM_CERT, 0o644),
      keyFile: file("gate.key", PEM_KEY, 0o600),
      username: "gate.estate.lobby",
      passwordFile: file("pass", "s3cret-broker-pass\r\nignored\n", 0o400),
    });
    expect(c.ca?.toString()).toBe(PEM_CERT);
    expect(c.cert?.toString()).toBe(PEM_CERT);
    expect(c.key?.toString()).toBe(PEM_KEY);
    expect(c.username).toBe("gate.estate.lobby");
    expect(c.password?.toString()).toBe("s3cret-broker-pass");
  });

  it("refuses a client key or password file readable by others, naming the option and the mode, never the contents", () => {
    const key = failure(() => loadBrokerCredentials({ certFile: file("c.crt", PEM_CERT, 0o644), keyFile: file("open.key", PEM_KEY, 0o644) }));
    expect(key.message).toMatch(/^mqtt\.keyFile: .*open\.key has mode 0644; it must be private to this user \(chmod 600\)$/);
    expect(key.message).not.toContain("MIGH");
    const pass = failure(() => loadBrokerCredentials({ username: "u", passwordFile: file("group.pass", "hunter2-broker\n", 0o640) }));
    expect(pass.message).toMatch(/^mqtt\.passwordFile: .*group\.pass has mode 0640/);
    expect(JSON.stringify(pass)).not.toContain("hunter2");
  });

  it("names the CLI option when the CLI asks, and says what is wrong with a missing, empty or foreign file", () => {
    const names = { url: "--broker", caFile: "--ca", certFile: "--tls-cert", keyFile: "--tls-key", username: "--username", passwordFile: "--password-file" };
    expect(failure(() => loadBrokerCredentials({ caFile: join(dir, "none.crt") }, names)).message).toMatch(/^--ca: cannot read .*none\.crt \(ENOENT\)$/);
    expect(failure(() => loadBrokerCredentials({ caFile: file("notpem.crt", "hello", 0o644) }, names)).message).toMatch(/^--ca: .* is not a PEM file holding a certificate$/);
    expect(failure(() => loadBrokerCredentials({ username: "u", passwordFile: file("empty.pass", "\n", 0o600) }, names)).message).toMatch(/^--password-file: .* is empty/);
  });
});
