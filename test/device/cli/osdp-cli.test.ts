/**
 * `facegate osdp scan|watch` in-process against simulated readers over a pty.
 */
import { mkdtempSync, rmSync, statSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { wiegand26Bits } from "../../../sdk/osdp/card-data.js";
import { type PtyPair, openPtyPair } from "../../../simulator/osdp/pty-pair.js";
import { SimOsdpBus } from "../../../simulator/osdp/sim-osdp-bus.js";
import { SimOsdpReader } from "../../../simulator/osdp/sim-osdp-reader.js";
import { describeWithSocat } from "../../support/osdp-fixture.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: process.cwd() };
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function bus(readers: SimOsdpReader[]): Promise<{ pty: PtyPair; sim: SimOsdpBus; dir: string }> {
  const pty = await openPtyPair();
  const sim = await SimOsdpBus.open({ path: pty.readers, readers });
  const dir = mkdtempSync(join(tmpdir(), "facegate-osdp-cli-"));
  cleanup.push(() => pty.close(), () => sim.close(), () => rmSync(dir, { recursive: true, force: true }));
  return { pty, sim, dir };
}

it("facegate osdp --help prints the usage on stdout and exits 0", async () => {
  const a = io();
  expect(await main(["osdp", "--help"], a)).toBe(0);
  expect(a.stdout.join("\n")).toMatch(/facegate osdp scan\s+--port PATH/);
  const b = io();
  expect(await main(["osdp", "watch", "--port", "/dev/null"], b)).toBe(2);
  expect(b.stderr.join("\n")).toMatch(/watch needs a key/);
});

describeWithSocat("facegate osdp", () => {
  it("scan --install commissions a reader and reports it with the Secure Channel established", async () => {
    const reader = new SimOsdpReader({ address: 4 });
    const { pty, dir } = await bus([reader]);
    const keyFile = join(dir, "keys.json");
    const a = io();
    expect(await main(["osdp", "scan", "--port", pty.panel, "--address", "4", "--install", "--key-file", keyFile, "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as { readers: Array<Record<string, unknown>> };
    expect(report.readers).toHaveLength(1);
    expect(report.readers[0]).toMatchObject({ address: 4, vendorCode: "5A0F01", model: 3, serialNumber: 0x1234abcd, firmware: "2.4.7", secureChannel: "established", secure: true, keyInstalled: true });
    expect(report.readers[0]!["capabilities"]).toContainEqual({ function: 9, name: "communication security", compliance: 1, count: 1 });
    const key = Buffer.from(reader.scbk!).toString("hex");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, "utf8")).toContain(key);
    expect(a.stdout.join("") + a.stderr.join("")).not.toContain(key);
    // With the key from the file, a second scan gets in without installing anything.
    const b = io();
    expect(await main(["osdp", "scan", "--port", pty.panel, "--address", "4", "--key-file", keyFile], b)).toBe(0);
    expect(b.stdout.join("\n")).toMatch(/reader at address 4: vendor 5A0F01.*\n.*communication security.*\n.*secure channel: established/);
  });

  it("scan finds every reader on the bus, and says the Secure Channel was not attempted without a key", async () => {
    const { pty } = await bus([new SimOsdpReader({ address: 3 }), new SimOsdpReader({ address: 9, identity: { serialNumber: 99 } })]);
    const a = io();
    // A short search timeout keeps the search of 127 addresses under 8 s; the readers found are then probed at 200 ms.
    expect(await main(["osdp", "scan", "--port", pty.panel, "--timeout", "60", "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as { readers: Array<{ address: number; serialNumber: number; secureChannel: string }> };
    expect(report.readers.map((r) => [r.address, r.serialNumber])).toEqual([
      [3, 0x1234abcd],
      [9, 99],
    ]);
    expect(report.readers[0]!.secureChannel).toBe("not attempted (no key given)");
  });

  it("scan with a wrong --scbk reports why the Secure Channel was not established", async () => {
    const { pty } = await bus([new SimOsdpReader({ address: 1, scbk: Buffer.from("00112233445566778899aabbccddeeff", "hex") })]);
    const a = io();
    expect(await main(["osdp", "scan", "--port", pty.panel, "--address", "1", "--scbk", "ffeeddccbbaa99887766554433221100", "--json"], a)).toBe(0);
    const r = (JSON.parse(a.stdout[0]!) as { readers: Array<{ secureChannel: string; secure: boolean }> }).readers[0]!;
    expect(r).toMatchObject({ secure: false, secureChannel: expect.stringMatching(/cryptogram does not match the key/) });
  });

  it("watch prints card reads with their bit length and masked numbers, and key presses masked, one JSON object a line", async () => {
    const scbk = "00112233445566778899aabbccddeeff";
    const reader = new SimOsdpReader({ address: 0, scbk: Buffer.from(scbk, "hex") });
    const { pty } = await bus([reader]);
    const a = io();
    const watching = main(["osdp", "watch", "--port", pty.panel, "--address", "0", "--scbk", scbk, "--seconds", "4", "--json"], a);
    const until = Date.now() + 3000;
    while (!a.stdout.some((l) => l.includes('"online"')) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    reader.presentCard(wiegand26Bits(18, 4660));
    reader.pressKeys("582046#");
    expect(await watching).toBe(0);
    const lines = a.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ type: "card", address: 0, bits: 26, card: "*****69" }));
    const keys = lines.filter((l) => l["type"] === "key").map((l) => l["key"]);
    expect(keys).toEqual(["digit", "digit", "digit", "digit", "digit", "digit", "#"]);
    const all = a.stdout.join("\n") + a.stderr.join("\n");
    expect(all).not.toContain("2242469");
    expect(all).not.toContain("582046");
  });
});
