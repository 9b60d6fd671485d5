/**
 * Who and what the demo uses: the site, its gate, four residents and the fixture images
 * (`../shared/faces`, or FACEGATE_FACES). Names appear only in the demo's printout; the
 * gate, the commands and the events know residents by opaque references (`r-101`), as
 * every deployment must (STYLE.md: no personal data in topics or identifiers).
 *
 * Door-camera frames are regions of the group photos (source pixels `[left, top, width,
 * height]`), measured so that the real pipeline finds one face, scores it live and
 * identifies it correctly: a door camera frames one person, not a crowd.
 */
import type { FrameRegion } from "../../simulator/devices/sim-camera.js";

export const DEMO_SITE = { id: "estate-01", processorId: "estate-01-property-office" } as const;
export const DEMO_GATE = "lobby";
export const DEMO_GATES = [{ gateId: DEMO_GATE, mode: "face_or_card_or_pin" }] as const;
export const DEMO_PREFIX = "facegate";

export interface DoorFrame {
  /** Relative to the fixtures folder. */
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

export const RESIDENTS = {
  sheldon: {
    ref: "r-101",
    name: "Sheldon",
    card: "E01A0101",
    pin: "739104",
    consents: true,
    enrollPhoto: "identities/sheldon/sheldon1.png",
    door: { image: "groups/bbt4.jpg", region: [409, 144, 204, 204] },
    doorLater: { image: "groups/bbt5.jpg", region: [389, 121, 184, 184] },
  },
  penny: {
    ref: "r-102",
    name: "Penny",
    card: "E01A0102",
    pin: "582631",
    consents: true,
    enrollPhoto: "identities/penny/penny1.png",
    door: { image: "groups/bbt5.jpg", region: [171, 5, 176, 176] },
    doorLater: { image: "groups/bbt3.jpg", region: [227, 81, 106, 106] },
  },
  leonard: {
    ref: "r-103",
    name: "Leonard",
    card: "E01A0103",
    pin: "418257",
    consents: true,
    enrollPhoto: "identities/leonard/leonard1.png",
    door: { image: "groups/bbt3.jpg", region: [449, 70, 136, 136] },
    doorLater: { image: "groups/bbt4.jpg", region: [0, 213, 231, 231] },
  },
  howard: {
    ref: "r-104",
    name: "Howard",
    card: "E01A0104",
    pin: "964375",
    consents: false,
    enrollPhoto: "identities/howard/howard1.png",
    door: { image: "groups/bbt5.jpg", region: [641, 49, 232, 232] },
  },
} as const satisfies Record<string, Resident>;

/** People who do not live here: single-face colour photos, none of them enrolled. */
export const STRANGERS: readonly DoorFrame[] = [{ image: "strangers/neutral.jpg" }, { image: "strangers/happy.jpg" }];

/** Every card number and PIN of the cast: none may reach an event or a log line. */
export function castSecrets(): string[] {
  return Object.values(RESIDENTS).flatMap((r) => [r.card, r.pin]);
}
