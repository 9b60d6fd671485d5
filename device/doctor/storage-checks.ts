/**
 * The terminal's own files: the data directory, the free space it has, the device key
 * file and the database. The rules are the device's (it refuses to start on a key file
 * that others can read, or a database without its key, SPEC section 6); doctor says so
 * before the device does, with the command that fixes it.
 */
import { accessSync, constants, statSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { KeyError } from "../../sdk/errors.js";
import { checkDeviceKeys } from "../../sdk/privacy/device-key-binding.js";
import type { DeviceConfig } from "../config/device-config.js";
import { type DoctorCheck, fail, pass, warn } from "./check.js";
import { NotOwnerError, type TerminalProbe, lookup } from "./terminal-probe.js";

const MiB = 1024 * 1024;
/** Below this the database cannot be trusted to grow (events, audit, enrolments): a failure. */
export const DISK_FAIL_BYTES = 100 * MiB;
/** Below this the installer should make room before leaving: a warning. */
export const DISK_WARN_BYTES = 1024 * MiB;

const AS_DEVICE_USER = "run facegate doctor as the device user (runuser -u facegate -- facegate doctor --config FILE)";

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, "0");
}

function nearestExisting(path: string): string {
  let p = path;
  while (lookup(p) === "missing" && dirname(p) !== p) p = dirname(p);
  return p;
}

/** A path this user cannot even look at: what the check says instead of "missing". */
function outOfSight(path: string, uid: number | undefined) {
  return fail(`this user (uid ${uid ?? "?"}) may not look into ${dirname(path)}, so cannot reach ${path}`, AS_DEVICE_USER);
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function bytes(n: number): string {
  return n >= 1024 * MiB ? `${(n / 1024 / MiB).toFixed(1)} GiB` : `${Math.round(n / MiB)} MiB`;
}

export function dataDirCheck(config: DeviceConfig, uid: number | undefined): DoctorCheck {
  const dir = config.dataDir;
  return {
    name: "data directory",
    run() {
      const found = lookup(dir);
      if (found === "denied") return outOfSight(dir, uid);
      if (found === "missing") {
        const parent = nearestExisting(dir);
        if (!writable(parent)) return fail(`${dir} does not exist and this user cannot create it (${parent} is not writable)`, `install -d -o facegate -g facegate -m 0700 ${dir}`);
        return pass(`${dir} does not exist yet: the device creates it (mode 0700) at first start`);
      }
      const st = statSync(dir);
      if (!st.isDirectory()) return fail(`${dir} is not a directory`, `point dataDir at a directory, or move ${dir} away`);
      if (!writable(dir)) return fail(`${dir} is not writable by this user (uid ${uid ?? "?"}; owner uid ${st.uid}, mode ${mode(dir)})`, `chown -R facegate:facegate ${dir}, or ${AS_DEVICE_USER}`);
      if ((st.mode & 0o077) !== 0) return warn(`${dir} has mode ${mode(dir)}: group or others can look inside`, `chmod 700 ${dir}`);
      return pass(`${dir} (mode ${mode(dir)}, owner uid ${st.uid})`);
    },
  };
}

export function diskCheck(config: DeviceConfig): DoctorCheck {
  return {
    name: "disk",
    run() {
      const where = nearestExisting(config.dataDir);
      const fs = statfsSync(where);
      const free = fs.bavail * fs.bsize;
      const detail = `${bytes(free)} free for ${config.dataDir} (filesystem of ${where})`;
      const fix = `make room on that filesystem (for instance journalctl --vacuum-size=200M), or put dataDir on a larger one`;
      if (free < DISK_FAIL_BYTES) return fail(`${detail}: below ${bytes(DISK_FAIL_BYTES)}, the database may not be able to record events and audit entries`, fix);
      if (free < DISK_WARN_BYTES) return warn(`${detail}: below ${bytes(DISK_WARN_BYTES)}`, fix);
      return pass(detail);
    },
  };
}

export function keyFileCheck(probe: TerminalProbe): DoctorCheck {
  const file = probe.keyProvider.path;
  const dir = dirname(file);
  return {
    name: "key file",
    async run() {
      const found = lookup(file);
      if (found === "denied") return outOfSight(file, probe.uid);
      if (found === "missing") {
        if (probe.databaseExists()) {
          return fail(`${file} is missing while the database ${probe.dbPath} exists: the device refuses to start`, "restore the key file that belongs to this database (a new key would make every template unreadable)");
        }
        const parent = nearestExisting(dir);
        if (!writable(parent)) return fail(`${file} does not exist and this user cannot create it (${parent} is not writable)`, `chown facegate:facegate ${parent}, or ${AS_DEVICE_USER}`);
        return pass(`${file} does not exist yet: the device creates it (mode 0600) at first start`);
      }
      const keys = await probe.loadKeys();
      if (keys.error) {
        const err = keys.error;
        if (err instanceof KeyError && err.code === "key_permissions" && "mode" in err.details) return fail(err.message, `chmod 600 ${file}`);
        if (err instanceof KeyError && err.code === "key_permissions") return fail(err.message, `${AS_DEVICE_USER}; if you are, chown facegate:facegate ${file}`);
        if (err instanceof KeyError && err.code === "key_invalid") return fail(err.message, "put back the device's own key file (the one that came with its database)");
        return fail(err.message, "check the key file's path in the configuration");
      }
      const st = statSync(dir);
      if ((st.mode & 0o022) !== 0) return fail(`${dir} (the key's directory) has mode ${mode(dir)}: others could replace the key`, `chmod 700 ${dir}`);
      if (st.uid !== probe.uid && st.uid !== 0) return fail(`${dir} (the key's directory) is owned by uid ${st.uid}, not this user`, `chown facegate:facegate ${dir}`);
      if ((st.mode & 0o005) !== 0) return warn(`${dir} (the key's directory) has mode ${mode(dir)}: others can list it`, `chmod 700 ${dir}`);
      return pass(`${file} (mode ${mode(file)}, device key ${keys.value.publicKeys.keyId})`);
    },
  };
}

export function databaseCheck(probe: TerminalProbe): DoctorCheck {
  const path = probe.dbPath;
  return {
    name: "database",
    async run() {
      if (lookup(path) === "denied") return outOfSight(path, probe.uid);
      if (!probe.databaseExists()) return pass(`${path} does not exist yet: the device creates it at first start (doctor never creates one)`);
      const db = probe.openDatabase();
      if (db.error instanceof NotOwnerError) return fail(db.error.message, AS_DEVICE_USER);
      if (db.error) {
        return fail(db.error.message, `the device refuses to start on it: move ${path} away (the device then starts empty; people, consents and enrolments must be sent again from the office)`);
      }
      const entries = db.value.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'audit_entries'").get()!.n
        ? db.value.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM audit_entries").get()!.n
        : 0;
      const keys = await probe.loadKeys();
      if (!keys.value) return pass(`${path} intact (quick_check ok, read-only), ${entries} audit entries; its key could not be loaded (see key file)`);
      try {
        const bound = checkDeviceKeys(db.value, keys.value);
        return pass(`${path} intact (quick_check ok, read-only), ${entries} audit entries, ${bound ? "written by the key file's device key" : "no device key recorded yet"}`);
      } catch (err) {
        return fail((err as Error).message, "put back the key file that belongs to this database; the device refuses to start with another");
      }
    },
  };
}
