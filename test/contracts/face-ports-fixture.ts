/**
 * The gate's face-matching and privacy ports (FaceMatcher, PrivacyDesk in
 * sdk/gate/ports.ts) come in pairs: what the desk enrolls, the matcher finds. A fixture
 * gives both, on one site with two gates (a consent given at the gate covers both) and a
 * gate outside the site. Implementations:
 *
 * - the device's: StorePrivacyDesk over the secure store (real SQLite file, key file,
 *   libsodium), enrolling into a GalleryIndex searched through GalleryMatcher;
 * - the unit tests' stand-ins (test/support/port-fakes.ts): InMemoryPrivacyDesk and its
 *   matcher, and the same wrapped in SpyMatcher.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { GalleryMatcher } from "../../device/runtime/gallery-matcher.js";
import { StorePrivacyDesk } from "../../device/runtime/privacy-desk.js";
import { FileKeyProvider } from "../../sdk/crypto/key-provider.js";
import type { FaceMatcher, PrivacyDesk } from "../../sdk/gate/ports.js";
import { silentLogger } from "../../sdk/log/logger.js";
import { GalleryIndex } from "../../sdk/matcher/gallery-index.js";
import type { TemplateSink } from "../../sdk/matcher/template-sink.js";
import { openSecureStore } from "../../sdk/privacy/secure-store.js";
import type { Closable, ContractEnv } from "../../sdk/testing/contract-kit.js";
import type { ManualClock } from "../../sdk/time/clock.js";
import { InMemoryPrivacyDesk, SpyMatcher, YEAR_MS } from "../support/port-fakes.js";
import { sampleNotice, tempDir } from "../support/secure-store-fixture.js";

export interface FacePortsFixture extends Closable {
  desk: PrivacyDesk;
  /** The matcher as gate `gateId` sees it. */
  matcher(gateId: string): FaceMatcher;
  /** A desk on a device where no notice has been published yet. */
  deskWithoutNotice(): Promise<PrivacyDesk>;
  /** `gate` and `siteGate` are the site's gates; `foreignGate` is not. */
  gates: { gate: string; siteGate: string; foreignGate: string };
  /** The longest term a consent given at the gate may have. */
  maxTermMs: number;
  /** Records that a person is under 14 (L10). */
  markMinor(personRef: string): void;
  clock: ManualClock;
}

export interface FacePortsImplementation {
  name: string;
  create(env: ContractEnv): Promise<FacePortsFixture>;
}

const GATES = { gate: "gate-a", siteGate: "gate-b", foreignGate: "gate-x" };

export const storeFacePorts: FacePortsImplementation = {
  name: "StorePrivacyDesk and GalleryMatcher over the secure store",
  async create({ clock }) {
    const dir = tempDir("fg-face-ports-");
    const minors = new Set<string>();
    const open = (name: string, sink: TemplateSink) =>
      openSecureStore({
        dbPath: join(dir, `${name}.db`),
        keyProvider: new FileKeyProvider({ path: join(dir, "keys", `${name}.key`) }),
        clock,
        logger: silentLogger,
        sink,
        config: { siteId: "site-1", processorId: "proc-1", gateIds: [GATES.gate, GATES.siteGate], maxConsentDays: 365 },
      });
    const index = new GalleryIndex();
    const store = await open("device", index);
    store.consents.publishNotice(sampleNotice(1));
    const others: Array<{ close(): void }> = [];
    return {
      desk: new StorePrivacyDesk({ store, isMinor: (p) => minors.has(p) }),
      matcher: (gateId) => new GalleryMatcher({ index, consents: store.consents, gateId, clock }),
      async deskWithoutNotice() {
        const bare = await open(`bare-${others.length}`, new GalleryIndex());
        others.push(bare);
        return new StorePrivacyDesk({ store: bare });
      },
      gates: GATES,
      maxTermMs: 365 * 86_400_000,
      markMinor: (p) => minors.add(p),
      clock,
      close() {
        for (const s of [store, ...others]) s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function memoryFacePorts(name: string, wrap: (m: FaceMatcher) => FaceMatcher): FacePortsImplementation {
  return {
    name,
    async create({ clock }) {
      const minors = new Set<string>();
      const desk = new InMemoryPrivacyDesk({ clock, gateIds: [GATES.gate, GATES.siteGate], isMinor: (p) => minors.has(p) });
      return {
        desk,
        matcher: (gateId) => wrap(desk.matcher(gateId)),
        deskWithoutNotice: async () => new InMemoryPrivacyDesk({ clock, notice: null }),
        gates: GATES,
        maxTermMs: YEAR_MS,
        markMinor: (p) => minors.add(p),
        clock,
        close() {},
      };
    },
  };
}

export const inMemoryFacePorts = memoryFacePorts("InMemoryPrivacyDesk and its matcher (test/support/port-fakes.ts)", (m) => m);
export const spyFacePorts = memoryFacePorts("SpyMatcher over InMemoryPrivacyDesk's matcher (test/support/port-fakes.ts)", (m) => new SpyMatcher(m));

/** A deterministic pseudo-random unit vector: not a face, but the ports do not care. */
export function vector(seed: number): Float32Array {
  const v = new Float32Array(512);
  let x = (seed * 2654435761 + 1) % 2147483648;
  let sum = 0;
  for (let i = 0; i < 512; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v[i] = x / 2147483648 - 0.5;
    sum += v[i]! * v[i]!;
  }
  const norm = Math.sqrt(sum);
  for (let i = 0; i < 512; i++) v[i] = v[i]! / norm;
  return v;
}

/** `base` moved towards `towards` by `t` (0..1), unit length again. */
export function blend(base: Float32Array, towards: Float32Array, t: number): Float32Array {
  const v = new Float32Array(512);
  let sum = 0;
  for (let i = 0; i < 512; i++) {
    v[i] = (1 - t) * base[i]! + t * towards[i]!;
    sum += v[i]! * v[i]!;
  }
  const norm = Math.sqrt(sum);
  for (let i = 0; i < 512; i++) v[i] = v[i]! / norm;
  return v;
}

export function exactCosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** A consent given at the gate now, under the desk's current notice. */
export async function consentAtGate(f: FacePortsFixture, personRef: string, gateId = f.gates.gate) {
  const notice = await f.desk.currentNotice();
  return f.desk.giveConsent(personRef, { noticeVersion: notice.version, noticeHash: notice.hash, method: "electronic", collectedBy: `gate:${gateId}`, gateId, at: f.clock.now() });
}
