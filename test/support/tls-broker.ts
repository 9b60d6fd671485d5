/**
 * A private Mosquitto configured as `facegate broker-config` ships it (TLS, client
 * certificates, the generated ACL) for one site, on a free port, with a throwaway PKI
 * (tls-certs.ts). Client certificates are made on demand by common name (the user name).
 *
 * Needs the mosquitto binary: with CI=true a missing one fails the run; elsewhere the
 * suites using this are skipped with a visible message (`tlsMosquittoAvailable`).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { type MosquittoConfig, mosquittoConfig } from "../../device/broker/mosquitto-config.js";
import { type BrokerAuthFiles, loadBrokerCredentials, type BrokerCredentials } from "../../sdk/transport/broker-credentials.js";
import { freePort, mosquittoAvailable, waitForPort } from "./broker.js";
import { type CertPair, makeTestPki, type TestPki } from "./tls-certs.js";

export const tlsMosquittoAvailable: boolean = mosquittoAvailable();

if (!tlsMosquittoAvailable) {
  if (process.env["CI"] === "true") throw new Error("mosquitto not found; CI requires it (.ci/run installs it)");
  console.warn("\n*** mosquitto not found: the TLS broker tests (ACL, client certificates, session takeover) are SKIPPED ***\n");
}

export interface TlsBroker {
  url: string;
  port: number;
  site: string;
  prefix: string;
  pki: TestPki;
  generated: MosquittoConfig;
  /** The files a client with this CN uses (CA, certificate, key). */
  files(cn: string, options?: { otherCa?: boolean }): BrokerAuthFiles & CertPair & { caFile: string };
  credentials(cn: string, options?: { otherCa?: boolean }): BrokerCredentials;
  stop(): Promise<void>;
}

export interface TlsBrokerOptions {
  site: string;
  gates: string[];
  operators: string[];
  prefix: string;
  /** Default "certificate". With "password", `passwords` fills the password file (mosquitto_passwd). */
  auth?: "certificate" | "password";
  passwords?: Record<string, string>;
}

export async function startTlsMosquitto(options: TlsBrokerOptions): Promise<TlsBroker> {
  const { auth = "certificate", passwords = {}, ...o } = options;
  const pki = makeTestPki();
  const port = await freePort();
  const aclFile = join(pki.dir, "acl");
  const passwordFile = join(pki.dir, "passwd");
  if (auth === "password") {
    writeFileSync(passwordFile, "");
    for (const [user, password] of Object.entries(passwords)) execFileSync("mosquitto_passwd", ["-b", passwordFile, user, password], { stdio: "ignore" });
  }
  const generated = mosquittoConfig({
    ...o,
    auth,
    ...(auth === "password" ? { passwordFile } : {}),
    port,
    bind: "127.0.0.1",
    tls: { caFile: pki.caFile, ...pki.server },
    aclFile,
    persistenceDir: pki.dir,
    // Started as root, mosquitto would switch to user `mosquitto`, which cannot read the temporary folder.
    user: userInfo().username,
    logDest: "none",
  });
  const conf = join(pki.dir, "mosquitto.conf");
  writeFileSync(conf, generated.conf);
  writeFileSync(aclFile, generated.acl);
  const proc: ChildProcess = spawn("mosquitto", ["-c", conf], { stdio: "ignore" });
  await waitForPort(port, 5_000);
  const made = new Map<string, CertPair>();
  const files: TlsBroker["files"] = (cn, options = {}) => {
    const key = `${options.otherCa ? "other:" : ""}${cn}`;
    let pair = made.get(key);
    if (!pair) made.set(key, (pair = pki.client(cn, options)));
    return { caFile: pki.caFile, ...pair };
  };
  return {
    url: `mqtts://127.0.0.1:${port}`,
    port,
    site: o.site,
    prefix: o.prefix,
    pki,
    generated,
    files,
    credentials: (cn, options) => {
      const f = files(cn, options);
      return loadBrokerCredentials({ caFile: f.caFile, certFile: f.certFile, keyFile: f.keyFile });
    },
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
        proc.kill("SIGTERM");
        await exited;
      }
      pki.dispose();
    },
  };
}
