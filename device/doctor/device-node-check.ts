/**
 * A check for the device node a driver opens: a serial port (/dev/ttyUSB0, RS-485 for
 * OSDP), a GPIO chip (/dev/gpiochip0) or a camera (/dev/video0). Doctor runs as the
 * device user, so "can this user read and write it" is the question the driver will ask;
 * the answer is nearly always a supplementary group (the unit's SupplementaryGroups=).
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { type DoctorCheck, fail, pass } from "./check.js";

export interface DeviceNodeCheckOptions {
  name: string;
  path: string;
  /** What the node is, for the message: "serial port", "GPIO chip", "camera". */
  what: string;
  /** The group that usually owns such nodes on Debian: dialout, gpio, video. */
  group: string;
}

export function characterDeviceCheck(o: DeviceNodeCheckOptions): DoctorCheck {
  return {
    name: o.name,
    run() {
      if (!existsSync(o.path)) return fail(`${o.what} ${o.path} does not exist`, `connect it and check the path in the configuration (ls -l /dev/serial/by-id /dev/gpiochip* /dev/video* lists what is there)`);
      const st = statSync(o.path);
      if (!st.isCharacterDevice()) return fail(`${o.path} is not a device node`, `point the configuration at the ${o.what}'s device node`);
      try {
        accessSync(o.path, constants.R_OK | constants.W_OK);
      } catch {
        return fail(`this user may not open ${o.what} ${o.path} (owner uid ${st.uid}, group gid ${st.gid}, mode ${(st.mode & 0o777).toString(8)})`, `usermod -aG ${o.group} facegate (the unit's SupplementaryGroups= lists ${o.group}), then restart the service`);
      }
      return pass(`${o.what} ${o.path} can be opened by this user`);
    },
  };
}
