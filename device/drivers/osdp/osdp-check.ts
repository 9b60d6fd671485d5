/**
 * `facegate doctor` for an OSDP bus: does each configured reader answer, identify itself
 * and establish the Secure Channel with its own key from the key file (whose permissions
 * the key store checks as it reads it)? The check only reads: a bus in "install" mode is
 * probed as "required" (no reader is given a key by doctor).
 * Details name addresses, vendor codes and reasons; never a key.
 */
import { type Logger, silentLogger } from "../../../sdk/log/logger.js";
import { systemClock } from "../../../sdk/time/clock.js";
import type { DriverCheck } from "../driver-check.js";
import { createOsdpDrivers } from "./create-osdp-drivers.js";
import type { OsdpSettings } from "./osdp-settings.js";
import type { ReaderKeys } from "./reader-keys.js";
import type { ByteLink } from "./serial-link.js";

export async function checkOsdp(settings: OsdpSettings, deps: { logger?: Logger; link?: ByteLink; keys?: ReaderKeys } = {}): Promise<DriverCheck[]> {
  const probing: OsdpSettings = { ...settings, secureChannel: settings.secureChannel === "install" ? "required" : settings.secureChannel };
  const drivers = createOsdpDrivers(probing, { clock: systemClock, logger: deps.logger ?? silentLogger, start: false, ...(deps.link ? { link: deps.link } : {}), ...(deps.keys ? { keys: deps.keys } : {}) });
  const checks: DriverCheck[] = [];
  try {
    const states = await drivers.probe();
    for (const s of states) {
      const where = `reader ${s.address} on ${settings.port}`;
      if (s.connected) {
        const id = s.identity ? `vendor ${s.identity.vendorCode}, model ${s.identity.model}, firmware ${s.identity.firmware}` : "identified";
        if (!s.secure) {
          checks.push({ ok: true, detail: `${where}: ${id}; IN THE CLEAR (secureChannel false in the configuration)` });
          continue;
        }
        checks.push({ ok: true, detail: `${where}: ${id}; Secure Channel established with its own key` });
        continue;
      }
      const problem = s.problem ?? "not connected";
      const fix = /no reply/i.test(problem)
        ? "check the RS-485 wiring (A/B, ground, termination), the reader's address and baud rate: facegate osdp scan --port PORT lists what answers"
        : /key|permission|mode/i.test(problem)
          ? "the key file must be private to the device user (chmod 600, folder 700) and hold this reader's key: commission it once with secureChannel \"install\""
          : "the reader answers but cannot be used: commission it (secureChannel \"install\") or, only if it cannot do the Secure Channel, set secureChannel false";
      checks.push({ ok: false, detail: `${where}: ${problem}`, fix });
    }
  } finally {
    await drivers.close();
  }
  return checks;
}
