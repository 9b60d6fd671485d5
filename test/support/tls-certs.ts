/**
 * A throwaway PKI made at test time with openssl: a CA, a server certificate for
 * 127.0.0.1/localhost, and client certificates by common name. Keys are written mode 0600,
 * as a device or operator would keep them. Nothing is committed; the folder is temporary.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CertPair {
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  caFile: string;
  server: CertPair;
  /** A client certificate with this CN, signed by the CA (or by `otherCa` when asked). */
  client(cn: string, options?: { otherCa?: boolean }): CertPair;
  /** A second, unrelated CA's certificate (a broker the device must not trust). */
  otherCaFile: string;
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`], dir);
  chmodSync(key, 0o600);
  return { cert, key };
}

function sign(dir: string, ca: { cert: string; key: string }, name: string, cn: string, ext: string): CertPair {
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", csr, "-subj", `/CN=${cn}`], dir);
  chmodSync(keyFile, 0o600);
  openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", certFile, "-days", "2", "-extfile", extFile], dir);
  return { certFile, keyFile };
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "fg-pki-"));
  const ca = makeCa(dir, "site-ca");
  const other = makeCa(dir, "other-ca");
  const server = sign(dir, ca, "broker", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  let n = 0;
  return {
    dir,
    caFile: ca.cert,
    otherCaFile: other.cert,
    server,
    client: (cn, options = {}) => sign(dir, options.otherCa ? other : ca, `client-${n++}`, cn, "extendedKeyUsage=clientAuth\n"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
