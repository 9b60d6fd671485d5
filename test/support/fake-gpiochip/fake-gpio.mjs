#!/usr/bin/env node
// A GPIO chip that is not there: stands in for the kernel and the chip behind libgpiod's
// v1.6 tools (gpioset, gpioget, gpioinfo, gpiomon, gpiodetect) on machines without GPIO
// or gpio-sim. It implements the tools' command lines and output formats as far as the
// drivers use them, over files in $FAKE_GPIOCHIP_DIR:
//   chips.json                 {"gpiochip0": 8}
//   line-<chip>-<n>.json       {"value":0|1,"holder":pid|null,"direction":"input"|"output"}
//   edges-<chip>.log           lines "offset rising sec nsec" the test appends (the hardware);
//                              gpiomon prints those for its lines from where it started
//   history-<chip>-<n>.log     "<ms since epoch> <value> <tool>" for every driven value
// Released lines keep their last value (the worst case for a door relay). A holder whose
// process is gone no longer holds the line, as the kernel releases it.
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, openSync, readSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.FAKE_GPIOCHIP_DIR;
const [tool, ...argv] = process.argv.slice(2);
const prog = tool;
function die(msg, code = 1) {
  process.stderr.write(`${prog}: ${msg}\n`);
  process.exit(code);
}
if (!dir) die("FAKE_GPIOCHIP_DIR is not set");
const chips = JSON.parse(readFileSync(join(dir, "chips.json"), "utf8"));

function chipName(arg) {
  const name = /^\d+$/.test(arg) ? `gpiochip${arg}` : arg.replace(/^\/dev\//, "");
  if (!(name in chips) || existsSync(join(dir, `unplugged-${name}`))) die(`error creating line request: No such file or directory`);
  return name;
}
const lineFile = (chip, n) => join(dir, `line-${chip}-${n}.json`);
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
function readLine(chip, n) {
  if (n >= chips[chip]) die(`error creating line request: Invalid argument`);
  const f = lineFile(chip, n);
  const s = existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : { value: 0, holder: null, direction: "input", consumer: null };
  if (s.holder !== null && !alive(s.holder)) {
    s.holder = null;
    s.consumer = null;
  }
  return s;
}
function writeLine(chip, n, s) {
  const f = lineFile(chip, n);
  writeFileSync(`${f}.tmp`, JSON.stringify(s));
  renameSync(`${f}.tmp`, f);
}
function options(args) {
  const opts = {};
  const rest = [];
  for (const a of args) {
    const m = /^--?([a-zA-Z-]+)(?:=(.*))?$/.exec(a);
    if (m && !/^\d/.test(a.slice(1))) opts[m[1]] = m[2] ?? true;
    else rest.push(a);
  }
  return { opts, rest };
}
function claim(chip, offsets, consumer, direction) {
  for (const n of offsets) {
    const s = readLine(chip, n);
    if (s.holder !== null) die("error setting the GPIO line values: Device or resource busy");
  }
  for (const n of offsets) writeLine(chip, n, { ...readLine(chip, n), holder: process.pid, consumer, direction });
}
function release(chip, offsets) {
  for (const n of offsets) {
    const s = readLine(chip, n);
    if (s.holder === process.pid) writeLine(chip, n, { ...s, holder: null, consumer: null });
  }
}

const { opts, rest } = options(argv);
if (tool === "gpiodetect") {
  for (const [c, n] of Object.entries(chips)) console.log(`${c} [fake-gpiochip] (${n} lines)`);
} else if (tool === "gpioinfo") {
  const list = rest.length ? rest.map(chipName) : Object.keys(chips);
  for (const chip of list) {
    console.log(`${chip} - ${chips[chip]} lines:`);
    for (let n = 0; n < chips[chip]; n++) {
      const s = readLine(chip, n);
      const consumer = s.holder !== null ? `"${s.consumer}"` : "unused";
      console.log(`\tline ${String(n).padStart(3)}:      unnamed ${consumer.padStart(12)} ${s.direction.padStart(7)}  active-high ${s.holder !== null ? "[used]" : ""}`);
    }
  }
} else if (tool === "gpioget") {
  const chip = chipName(rest[0]);
  const offsets = rest.slice(1).map(Number);
  for (const n of offsets) if (readLine(chip, n).holder !== null) die("error reading GPIO values: Device or resource busy");
  console.log(offsets.map((n) => readLine(chip, n).value).join(" "));
} else if (tool === "gpioset") {
  const chip = chipName(rest[0]);
  const pairs = rest.slice(1).map((p) => p.split("=").map(Number));
  const offsets = pairs.map(([n]) => n);
  claim(chip, offsets, "gpioset", "output");
  for (const [n, v] of pairs) {
    // History first: whoever sees the new value finds it in the history too.
    appendFileSync(join(dir, `history-${chip}-${n}.log`), `${Date.now()} ${v} ${opts.mode ?? "exit"}\n`);
    writeLine(chip, n, { ...readLine(chip, n), value: v });
  }
  const done = () => {
    release(chip, offsets);
    process.exit(0);
  };
  const mode = opts.mode ?? opts.m ?? "exit";
  if (mode === "exit") done();
  // As the real tool in time mode, a signal just ends the process (the kernel releases the line).
  process.on("SIGTERM", done);
  process.on("SIGINT", done);
  if (mode === "time") setTimeout(done, Number(opts.sec ?? 0) * 1000 + Number(opts.usec ?? 0) / 1000);
  else setInterval(() => {}, 1 << 30);
} else if (tool === "gpiomon") {
  const chip = chipName(rest[0]);
  const offsets = rest.slice(1).map(Number);
  const format = opts.format ?? opts.F;
  const file = join(dir, `edges-${chip}.log`);
  if (!existsSync(file)) writeFileSync(file, "");
  let pos = statSync(file).size;
  // Held only once edges from here on are watched: a test waits for the hold (heldBy).
  claim(chip, offsets, "gpiomon", "input");
  let partial = "";
  const stop = () => {
    release(chip, offsets);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  setInterval(() => {
    if (!existsSync(join(dir, `unplugged-${chip}`))) {
      const size = statSync(file).size;
      if (size <= pos) return;
      const fd = openSync(file, "r");
      const buf = Buffer.alloc(size - pos);
      readSync(fd, buf, 0, buf.length, pos);
      closeSync(fd);
      pos = size;
      const lines = (partial + buf.toString("utf8")).split("\n");
      partial = lines.pop();
      let out = "";
      for (const line of lines) {
        const [o, e, s, ns] = line.trim().split(" ");
        if (!offsets.includes(Number(o))) continue;
        out += format
          ? format.replace(/%([oesn%])/g, (_, c) => ({ o, e, s, n: String(Number(ns)), "%": "%" })[c]) + "\n"
          : `event: ${e === "1" ? " RISING EDGE" : "FALLING EDGE"} offset: ${o} timestamp: [${s.padStart(8)}.${ns.padStart(9, "0")}]\n`;
      }
      if (out) process.stdout.write(out);
    } else {
      die("error waiting for events: No such device");
    }
  }, 5);
} else {
  die(`unknown tool ${tool}`);
}
