/**
 * `facegate broker-config`: the generated Mosquitto config and ACL (their effect on a real
 * broker is shown in broker-confinement.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mosquittoConfig, siteUsers } from "../../../device/broker/mosquitto-config.js";
import { main } from "../../../device/cli/main.js";
import { type CliIo } from "../../../device/cli/cli-io.js";

const tls = { caFile: "/etc/mosquitto/certs/ca.crt", certFile: "/etc/mosquitto/certs/server.crt", keyFile: "/etc/mosquitto/certs/server.key" };

function io(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { cwd, env: {}, out: (s) => void stdout.push(s), err: (s) => void stderr.push(s), stdout, stderr };
}

describe("the generated Mosquitto configuration", () => {
  it("listens with TLS only, refuses anonymous clients, takes the certificate's CN as user name and sets TCP_NODELAY", () => {
    const { conf } = mosquittoConfig({ site: "estate-01", gates: ["lobby"], operators: ["office"], auth: "certificate", tls, aclFile: "/etc/mosquitto/facegate.acl" });
    const lines = conf.split("\n");
    for (const l of ["allow_anonymous false", "set_tcp_nodelay true", "listener 8883", "require_certificate true", "use_identity_as_username true", "tls_version tlsv1.2", "acl_file /etc/mosquitto/facegate.acl", `cafile ${tls.caFile}`]) {
      expect(lines).toContain(l);
    }
    const pw = mosquittoConfig({ site: "estate-01", gates: ["lobby"], operators: ["office"], auth: "password", tls, aclFile: "/a", passwordFile: "/etc/mosquitto/p" }).conf.split("\n");
    expect(pw).toContain("password_file /etc/mosquitto/p");
    expect(pw).not.toContain("use_identity_as_username true");
  });

  it("lets each gate write only its own topics and read only its own command topic; an operator reads its site and writes commands", () => {
    const users = siteUsers({ site: "estate-01", gates: ["lobby", "garage"], operators: ["office"], prefix: "acme" });
    expect(users).toEqual([
      {
        username: "gate.estate-01.lobby",
        role: "gate",
        rights: [
          "write acme/v2/estate-01/lobby/state",
          "write acme/v2/estate-01/lobby/notice",
          "write acme/v2/estate-01/lobby/events/+",
          "write acme/v2/estate-01/lobby/commands/result/+",
          "read acme/v2/estate-01/lobby/commands/request",
        ],
      },
      expect.objectContaining({ username: "gate.estate-01.garage", role: "gate" }),
      { username: "operator.estate-01.office", role: "operator", rights: ["read acme/v2/estate-01/#", "write acme/v2/estate-01/+/commands/request"] },
    ]);
    const { acl } = mosquittoConfig({ site: "estate-01", gates: ["lobby", "garage"], operators: ["office"], prefix: "acme", auth: "certificate", tls, aclFile: "/a" });
    expect(acl).toContain("user gate.estate-01.garage\ntopic write acme/v2/estate-01/garage/state\n");
    // No wildcard that reaches beyond one gate before the operators' section.
    const gateRules = acl.split("user operator")[0]!.split("\n").filter((l) => l.startsWith("topic "));
    expect(gateRules).toHaveLength(10);
    expect(gateRules.filter((l) => l.includes("#"))).toEqual([]);
  });

  it("refuses names that are not opaque ids and paths that would break the file", () => {
    expect(() => siteUsers({ site: "Zhang San", gates: ["lobby"], operators: [] })).toThrow(/site: must match/);
    expect(() => siteUsers({ site: "estate", gates: ["lobby/#"], operators: [] })).toThrow(/gate: must match/);
    expect(() => siteUsers({ site: "estate", gates: ["lobby", "lobby"], operators: [] })).toThrow(/named twice/);
    expect(() => mosquittoConfig({ site: "estate", gates: ["lobby"], operators: [], auth: "certificate", tls: { ...tls, keyFile: "/x\nallow_anonymous true" }, aclFile: "/a" })).toThrow(/keyFile: must be a path on one line/);
  });

  it("facegate broker-config writes mosquitto.conf and acl from a device configuration and prints the names to issue", async () => {
    const out = mkdtempSync(join(tmpdir(), "fg-broker-config-"));
    try {
      const cli = io(process.cwd());
      expect(await main(["broker-config", "--out", out, "--config", "device/config/example.json", "--operators", "office,night-desk"], cli)).toBe(0);
      const conf = readFileSync(join(out, "mosquitto.conf"), "utf8");
      expect(conf).toContain(`acl_file ${join(out, "acl")}`);
      expect(readFileSync(join(out, "acl"), "utf8")).toContain("user gate.estate-01.garage");
      expect(cli.stdout.join("\n")).toContain("CN=operator.estate-01.night-desk");
      const bad = io(process.cwd());
      expect(await main(["broker-config", "--out", out, "--site", "estate-01", "--gates", "lobby", "--operators", "office", "--auth", "magic"], bad)).toBe(2);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
