/**
 * `facegate site serve` as an office runs it, for tests: a site.json for a harness site
 * (test/support/site-harness.ts) and the real program as a child process of the CLI, its
 * output collected, its exit awaited.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeOperatorKeyFile } from "../../sdk/operator/key-file.js";
import { toBase64 } from "../../sdk/protocol/index.js";
import type { TestBroker } from "./broker.js";
import { cliArgs } from "./cli-process.js";
import type { SiteHarness } from "./site-harness.js";

export interface SiteServeProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/**
 * Writes DIR/site.json (and DIR/office.key, the harness's admin key): the database site.db,
 * the data key keys/data.key, every harness gate pinned (in `groups` when given), and
 * `extra` on top. Returns the file's path.
 */
export function writeSiteConfig(dir: string, o: { site: SiteHarness; broker: TestBroker; groups?: string[]; extra?: Record<string, unknown> }): string {
  writeOperatorKeyFile(join(dir, "office.key"), o.site.admin);
  const file = join(dir, "site.json");
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      site: { id: o.site.site, processorId: o.site.processorId },
      database: "site.db",
      dataKeyFile: "keys/data.key",
      operatorKeyFile: "office.key",
      mqtt: { url: o.broker.url, prefix: o.site.prefix, protocolVersion: o.broker.protocolVersion },
      gates: o.site.gates.map((g) => ({ id: g.gateId, signingPublicKey: toBase64(g.signingPublicKey), boxPublicKey: toBase64(g.boxPublicKey), ...(o.groups ? { groups: o.groups } : {}) })),
      ...o.extra,
    }),
  );
  return file;
}

export function startSiteServe(config: string, cwd?: string): SiteServeProcess {
  const child = spawn(process.execPath, cliArgs(["site", "serve", "--config", config]), { stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out, exit: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
}
