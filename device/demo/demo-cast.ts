/**
 * Who and what the demo uses: the site, its gate, four residents and two strangers. The
 * photos come with the repository (`simulator/cast/`, described by its `cast.json`), so
 * `facegate demo` runs from a fresh clone; `--faces DIR` casts other photos (DIR's own
 * `cast.json`, or the shipped one's file names looked up in DIR, e.g. `../shared/faces`).
 *
 * Names appear only in the demo's printout; the gate, the commands and the events know
 * residents by opaque references (`r-101`), as every deployment must (STYLE.md: no
 * personal data in topics or identifiers). References, cards and PINs belong to the story
 * and are the same whoever is cast.
 *
 * Door-camera frames may be regions of larger photos (source pixels `[left, top, width,
 * height]`): the shipped ones are measured on group photos so that the real pipeline
 * finds one face, scores it live and identifies it correctly: a door camera frames one
 * person, not a crowd.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../../sdk/errors.js";
import { packageRoot } from "../../models/package-root.js";
import type { FrameRegion } from "../../simulator/devices/sim-camera.js";
import { type Static, Type } from "@sinclair/typebox";
import { compileChecker } from "../../sdk/schema/schema-check.js";

export const DEMO_SITE = { id: "estate-01", processorId: "estate-01-property-office" } as const;
export const DEMO_GATE = "lobby";
export const DEMO_GATES = [{ gateId: DEMO_GATE, mode: "face_or_card_or_pin" }] as const;
export const DEMO_PREFIX = "facegate";

/** The cast that ships with the repository. */
export const SHIPPED_CAST_DIR = join(packageRoot(), "simulator", "cast");
export const CAST_FILE = "cast.json";

export interface DoorFrame {
  /** Relative to the cast folder. */
  image: string;
  region?: FrameRegion;
}

export interface Resident {
  ref: string;
  /** For the printout only. */
  name: string;
  card: string;
  pin: string;
  /** Face consent given at the property office (written form); false: declined. */
  consents: boolean;
  /** Registration photo sent to the gate sealed (enroll.photo), for those who consent. */
  enrollPhoto: string;
  /** How the door camera sees them; `doorLater`: another day, another photo. */
  door: DoorFrame;
  doorLater?: DoorFrame;
}

export interface DemoCast {
  /** The folder the photos are read from. */
  dir: string;
  /** Where the cast was described (a cast.json). */
  file: string;
  residents: readonly Resident[];
  /** The story's parts, in the order of `residents`. */
  roles: { heldUp: Resident; deleted: Resident; leaver: Resident; decliner: Resident };
  /** People who do not live here: none of them enrolled. */
  strangers: readonly DoorFrame[];
}

/** The story's credentials, one per resident in cast order; the fourth resident declines face. */
const CREDENTIALS = [
  { ref: "r-101", card: "E01A0101", pin: "739104" },
  { ref: "r-102", card: "E01A0102", pin: "582631" },
  { ref: "r-103", card: "E01A0103", pin: "418257" },
  { ref: "r-104", card: "E01A0104", pin: "964375" },
] as const;

const DoorFrameSchema = Type.Object(
  {
    image: Type.String({ minLength: 1, hint: "must be a non-empty string (a path relative to the cast folder)" }),
    region: Type.Optional(
      Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })], {
        hint: "must be [left, top, width, height] in whole source pixels",
      }),
    ),
  },
  { additionalProperties: false },
);

/** A cast description (`cast.json`): four residents (the fourth declines face) and the strangers. */
export const CastSchema = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    residents: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, hint: "must be a non-empty string" }),
          photo: Type.String({ minLength: 1, hint: "must be a non-empty string (the registration photo)" }),
          door: DoorFrameSchema,
          doorLater: Type.Optional(DoorFrameSchema),
        },
        { additionalProperties: false },
      ),
      { minItems: 4, maxItems: 4, hint: "must list exactly 4 residents" },
    ),
    strangers: Type.Array(DoorFrameSchema, { minItems: 1, hint: "must list at least one stranger" }),
  },
  { additionalProperties: false },
);

const checkCast = compileChecker(CastSchema, {
  error: (message, d) => new ConfigError(message, { path: d.path }),
  unknownProperty: (allowed) => `unknown key (allowed: ${allowed.join(", ")})`,
  range: "bound",
});

const frame = (f: Static<typeof DoorFrameSchema>): DoorFrame => (f.region ? { image: f.image, region: [...f.region] as FrameRegion } : { image: f.image });

/** Reads a cast description; `path: problem` errors (ConfigError) name the field. */
export function parseCast(raw: unknown, dir: string, file: string): DemoCast {
  const c = checkCast(raw, "");
  const residents = c.residents.map(
    (r, i): Resident => ({
      ...CREDENTIALS[i]!,
      name: r.name,
      consents: i < 3,
      enrollPhoto: r.photo,
      door: frame(r.door),
      ...(r.doorLater ? { doorLater: frame(r.doorLater) } : {}),
    }),
  );
  const strangers = c.strangers.map(frame);
  const [heldUp, deleted, leaver, decliner] = residents as [Resident, Resident, Resident, Resident];
  return { dir, file, residents, roles: { heldUp, deleted, leaver, decliner }, strangers };
}

/** Every file the cast needs, relative to its folder. */
export function castFiles(cast: DemoCast): string[] {
  const frames = [...cast.residents.flatMap((r) => [r.door, ...(r.doorLater ? [r.doorLater] : [])]), ...cast.strangers];
  return [...new Set([...cast.residents.map((r) => r.enrollPhoto), ...frames.map((f) => f.image)])];
}

/**
 * The cast in `dir` (default: the shipped one): `dir/cast.json` if there is one, else the
 * shipped cast.json's files looked up in `dir`. Every file must be there.
 */
export function loadDemoCast(dir: string = SHIPPED_CAST_DIR): DemoCast {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    // The installed package ships no photos (no fixture in the tarball): the cast comes with the repository.
    const shipped = dir === SHIPPED_CAST_DIR ? "; the demo's own photos come with the repository, not the installed package: give --faces DIR" : "";
    throw new ConfigError(`demo cast not found: ${dir} is not a folder${shipped} (see simulator/cast/README.md for what --faces DIR holds)`, { dir });
  }
  const file = existsSync(join(dir, CAST_FILE)) ? join(dir, CAST_FILE) : join(SHIPPED_CAST_DIR, CAST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`${file}: not a readable JSON cast (${(err as Error).message})`, { file });
  }
  let cast: DemoCast;
  try {
    cast = parseCast(raw, dir, file);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`, { ...err.details, file });
    throw err;
  }
  const missing = castFiles(cast).filter((f) => !existsSync(resolve(dir, f)));
  if (missing.length > 0) {
    throw new ConfigError(`demo cast incomplete in ${dir}: missing ${missing.join(", ")} (named by ${file}; see simulator/cast/README.md)`, { dir, missing: missing.length });
  }
  return cast;
}

/** Every card number and PIN of the cast: none may reach an event or a log line. */
export function castSecrets(cast: DemoCast): string[] {
  return cast.residents.flatMap((r) => [r.card, r.pin]);
}
