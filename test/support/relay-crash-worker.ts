/**
 * A facegate process that unlocks the door and then dies: run with
 * `node --import tsx relay-crash-worker.ts <unlockMs>` and FAKE_GPIOCHIP_DIR/PATH set to
 * a fake chip. Prints "unlocked" once the unlock is on the line, then waits to be killed.
 */
import { GpioRelay } from "../../device/drivers/gpio/gpio-relay.js";
import { processSpawn, processTimers } from "../../device/drivers/process/child-process.js";
import { silentLogger } from "../../sdk/log/logger.js";
import { systemClock } from "../../sdk/time/clock.js";

const relay = new GpioRelay({ id: "lobby.relay", chip: "gpiochip0", line: 3, active: "high", maxUnlockMs: 60_000, spawn: processSpawn, timers: processTimers, clock: systemClock, logger: silentLogger });
await relay.start();
await relay.unlock(Number(process.argv[2] ?? 1_500));
process.stdout.write("unlocked\n");
setInterval(() => {}, 1 << 30);
