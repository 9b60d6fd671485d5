/**
 * The composition root: the one place that wires the SDK to drivers. The device
 * (`facegate device`), the simulator, scenarios and the demo all build a gate through
 * `startGateRuntime`; only the hardware, clock, timers and key provider differ.
 *
 * Start order: secure store (keys, database, migrations) -> outbox -> notice -> vault
 * decrypted into the gallery index -> access directory -> face pipeline (optional: a
 * failure is logged and the gate runs on card and PIN, L2) -> gate -> expiry sweep ->
 * MQTT link and command processor (optional). Stop runs the other way round.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createAccessStore, accessMigrations, type AccessStore, type PinHashing, interactivePinHashing } from "../../sdk/access/index.js";
import { registerBuiltinHandlers } from "../../sdk/commands/builtin-handlers.js";
import { commandsMigrations } from "../../sdk/commands/migrations.js";
import { OperatorRegistry } from "../../sdk/commands/operator-registry.js";
import { CommandProcessor } from "../../sdk/commands/processor.js";
import { FileKeyProvider, type KeyProvider } from "../../sdk/crypto/key-provider.js";
import { loadSodium } from "../../sdk/crypto/sodium.js";
import type { ExpiryScheduler } from "../../sdk/deletion/expiry-scheduler.js";
import { type EventRecorder, type FacegateEvent, teeRecorder } from "../../sdk/events/event.js";
import { GateController } from "../../sdk/gate/gate-controller.js";
import { DEFAULT_GATE_SETTINGS, type GateSettings } from "../../sdk/gate/gate-settings.js";
import type { FaceAnalyzer } from "../../sdk/gate/ports.js";
import type { GateHardware } from "../../sdk/hal/gate-hardware.js";
import type { Logger } from "../../sdk/log/logger.js";
import { GalleryIndex } from "../../sdk/matcher/gallery-index.js";
import { openSecureStore, type SecureStore } from "../../sdk/privacy/secure-store.js";
import type { Clock } from "../../sdk/time/clock.js";
import type { Timers } from "../../sdk/time/timers.js";
import { systemTimers } from "./system-timers.js";
import { startPartitionTask } from "./partition-task.js";
import { Outbox, outboxMigrations } from "../../sdk/transport/outbox.js";
import { DeviceLink } from "../../sdk/transport/device-link.js";
import type { NoticeFields } from "../../sdk/protocol/index.js";
import { noticeFields } from "../../sdk/consent/notice.js";
import { loadBrokerCredentials } from "../../sdk/transport/broker-credentials.js";
import { deviceClientId } from "../../sdk/transport/client-id.js";
import { createFacePipeline, type FacePipeline } from "../../sdk/vision/index.js";
import { defaultModelsDir } from "../../models/manifest.js";
import type { DeviceConfig } from "../config/device-config.js";
import { loadOrCreateCardKey, runtimeMigrations } from "./card-key.js";
import { GalleryMatcher } from "./gallery-matcher.js";
import { StorePrivacyDesk } from "./privacy-desk.js";
import { faceAnalyzerFromPipeline } from "../../sdk/gate/vision-analyzer.js";
import { PersonFlags, deviceHandlerMigrations, registerDeviceHandlers } from "../../sdk/commands/handlers/index.js";
import { verifiedModels } from "../../models/verify.js";
import type { FaceModel } from "../../sdk/protocol/index.js";
import { installedFaceModel } from "./face-model.js";

export interface GateRuntimeOptions {
  config: DeviceConfig;
  hardware: GateHardware;
  clock: Clock;
  logger: Logger;
  /** Default: the key file named by the configuration (created on first start, mode 0600). */
  keyProvider?: KeyProvider;
  /** Timers for the gate's housekeeping tick and the on-device expiry sweep. Default: the process timers. */
  timers?: Timers;
  /**
   * The face pipeline. Undefined: created from the configuration's models. null: no face
   * path (card and PIN only). A pipeline passed in is not closed by the runtime.
   */
  pipeline?: FacePipeline | null;
  /** A monotonic clock in milliseconds, for sizing background work (default performance.now). */
  monotonicMs?: () => number;
  pinHashing?: PinHashing;
  gateSettings?: Partial<GateSettings>;
  /** Wraps the face analyzer (the simulator injects faults through it). */
  wrapAnalyzer?: (analyzer: FaceAnalyzer) => FaceAnalyzer;
  /** Also receives every event (the simulator and demo watch events through it). */
  recorder?: EventRecorder;
  /** Progress while decrypting a large vault at start. */
  onLoadProgress?: (done: number, total: number) => void;
  /** The face model templates are bound to (template sync). Default: the installed manifest's, when the gate has a face path. */
  faceModel?: FaceModel;
}

export interface GateRuntime {
  config: DeviceConfig;
  store: SecureStore;
  access: AccessStore;
  index: GalleryIndex;
  outbox: Outbox;
  gate: GateController;
  pipeline: FacePipeline | null;
  processor: CommandProcessor | null;
  link: DeviceLink | null;
  privacy: StorePrivacyDesk;
  /** Why the face path is off, if it is. */
  faceUnavailable: string | null;
  stop(): Promise<void>;
}

/** A recorder that forwards to a target bound after construction (the outbox needs the open database). */
class LateRecorder implements EventRecorder {
  target: EventRecorder | undefined;
  record(event: FacegateEvent): void {
    if (!this.target) throw new Error("event recorded before the outbox was ready");
    this.target.record(event);
  }
}

function currentNotice(store: SecureStore): NoticeFields | undefined {
  const n = store.consents.currentNotice();
  return n ? noticeFields(n) : undefined;
}

export async function startGateRuntime(options: GateRuntimeOptions): Promise<GateRuntime> {
  const { config, clock, logger } = options;
  const log = logger.child("runtime");
  const cleanups: Array<() => unknown> = [];
  const unwind = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn("cleanup step failed", { error: err as Error });
      }
    }
  };
  try {
    // Broker files first: a readable client key or password file stops the start before anything opens.
    const brokerCredentials = config.mqtt ? loadBrokerCredentials(config.mqtt) : undefined;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const keyProvider = options.keyProvider ?? new FileKeyProvider({ path: config.keyFile });
    if (!options.keyProvider) mkdirSync(dirname(config.keyFile), { recursive: true, mode: 0o700 });

    // From 20,000 templates the gallery is searched through its coarse partition (built in
    // the background below); a best score under the match threshold is checked against
    // every template, so the partition never keeps shut a door an exhaustive search opens.
    const index = new GalleryIndex({ partition: { confirmBelow: options.gateSettings?.thresholds?.match ?? DEFAULT_GATE_SETTINGS.thresholds.match } });
    const late = new LateRecorder();
    const store = await openSecureStore({
      dbPath: join(config.dataDir, "facegate.db"),
      keyProvider,
      clock,
      logger,
      sink: index,
      events: late,
      config: {
        siteId: config.site.id,
        processorId: config.site.processorId,
        gateIds: config.gates.map((g) => g.gateId),
        maxConsentDays: config.consent.maxDays,
        maxMinorConsentDays: config.consent.maxMinorDays,
      },
      migrations: [accessMigrations, outboxMigrations, commandsMigrations, runtimeMigrations, deviceHandlerMigrations],
      // Commits are synced off the event loop; the link publishes nothing before they are
      // on the disk (beforePublish below; sdk/store/wal-durability.ts).
      commitSync: "deferred",
    });
    cleanups.push(() => store.close());
    const identity = { site: config.site.id, gate: config.gateId };
    const outbox = new Outbox({ db: store.db, identity, clock, signer: store.signer });
    late.target = options.recorder ? teeRecorder(outbox, options.recorder) : outbox;
    const recorder = late.target;

    const current = store.consents.currentNotice();
    if (config.notice && (!current || current.version < config.notice.version)) {
      store.consents.publishNotice(config.notice, { actor: "installation" });
      log.info("processing notice published from the configuration", { version: config.notice.version });
    }

    const started = Date.now();
    const loaded = store.vault.loadInto(index, {
      onProgress: (p) => {
        options.onLoadProgress?.(p.done, p.total);
      },
    });
    log.info("vault loaded", { subjects: loaded.subjects, templates: loaded.templates, quarantined: loaded.quarantined.length, ms: Date.now() - started });

    const sodium = await loadSodium();
    const cardKey = loadOrCreateCardKey(store.db, store.keys, clock.now());
    const access = await createAccessStore({ db: store.db, cardKey, clock, recorder, pinHashing: options.pinHashing ?? interactivePinHashing(), galleryTemplates: () => index.size });
    sodium.memzero(cardKey);
    cleanups.push(() => access.close());
    if (access.policies().length === 0) access.loadPolicies(config.gates);
    else if (!access.policyFor(config.gateId)) access.loadPolicies(config.gates);

    let pipeline: FacePipeline | null = null;
    let faceUnavailable: string | null = null;
    if (options.pipeline !== undefined) {
      pipeline = options.pipeline;
      if (!pipeline) faceUnavailable = "no face pipeline configured";
    } else if (config.models.enabled) {
      try {
        pipeline = await createFacePipeline({ models: verifiedModels(config.models.dir ?? defaultModelsDir()), logger: logger.child("vision") });
        const owned = pipeline;
        cleanups.push(() => owned.close());
      } catch (err) {
        faceUnavailable = err instanceof Error ? err.message : String(err);
        log.error("face path disabled; card and PIN keep working", { error: err as Error });
      }
    } else {
      faceUnavailable = "face recognition is disabled in the configuration";
    }

    // Minors (person.upsert `minor`) cannot consent at the keypad: a guardian's consent is
    // collected by staff and recorded with consent.record (L10). The table exists with or
    // without MQTT: its migration ran with the store's.
    const personFlags = PersonFlags.open(store.db);
    const privacy = new StorePrivacyDesk({ store, isMinor: (personRef) => personFlags.isMinor(personRef) });
    const timers = options.timers ?? systemTimers;
    const gate = new GateController({
      gateId: config.gateId,
      hardware: options.hardware,
      access,
      face: pipeline
        ? { analyzer: (options.wrapAnalyzer ?? ((a) => a))(faceAnalyzerFromPipeline(pipeline)), matcher: new GalleryMatcher({ index, consents: store.consents, gateId: config.gateId, clock }) }
        : undefined,
      privacy,
      clock,
      timers,
      recorder,
      logger: logger.child("gate"),
      settings: { ...options.gateSettings },
      newId: randomUUID,
    });
    await gate.start();
    cleanups.push(() => gate.stop());
    // Large galleries: the coarse partition is built in the background, searches exhaustive until then.
    const partitionTask = startPartitionTask({ index, timers, log: logger.child("matcher"), monotonicMs: options.monotonicMs ?? (() => performance.now()) });
    cleanups.push(() => partitionTask.stop());

    // Consent expiry and the end of access rights both delete face data here, offline (L7, L9).
    // With an operator link, a sweep that would delete many subjects at once waits until a
    // signed operator command vouches for the time (a clock jumped forward must not delete
    // everyone's templates); a gate without one has no trusted time to wait for.
    const commandsRef: { processor: CommandProcessor | null } = { processor: null };
    const expiry: ExpiryScheduler = store.startExpiryScheduler({
      setTimer: timers.setTimer,
      clearTimer: timers.clearTimer,
      ...(config.mqtt ? { massExpiry: { confirmedUpTo: () => commandsRef.processor?.operatorTimeSeen } } : {}),
      rights: {
        endedBy: (at) => access.rightsEndedBy(at),
        endedBetween: (from, to) => access.rightsEndedBetween(from, to),
        nextEndAfter: (at) => access.nextRightsEndAfter(at),
      },
    });
    cleanups.push(() => expiry.stop());

    let processor: CommandProcessor | null = null;
    let link: DeviceLink | null = null;
    if (config.mqtt) {
      const registry = new OperatorRegistry({ db: store.db, clock, audit: store.audit });
      registry.enrollFromConfig(config.operators);
      processor = commandsRef.processor = await CommandProcessor.create({ db: store.db, clock, audit: store.audit, signer: store.signer, boxKey: store.keys, registry, identity, logger: logger.child("commands") });
      const mqttLink = new DeviceLink({
        url: config.mqtt.url,
        identity,
        prefix: config.mqtt.prefix,
        // Stable across restarts (the session keeps queued commands) and secret (client-id.ts).
        clientId: deviceClientId((purpose, input) => store.keys.keyedIdentifier(purpose, input), { prefix: config.mqtt.prefix, ...identity }),
        ...(brokerCredentials ? { credentials: brokerCredentials } : {}),
        protocolVersion: config.mqtt.protocolVersion,
        clock,
        logger: logger.child("mqtt"),
        signer: store.signer,
        outbox,
        commands: processor,
        notice: () => currentNotice(store),
        beforePublish: () => store.durable(),
      });
      registerBuiltinHandlers({
        processor,
        registry,
        audit: store.audit,
        clock,
        identity,
        outboxStats: () => outbox.stats(),
        gateState: () => ({ face: faceUnavailable ? "unavailable" : "available", templates: index.size, faceAlone: gate.faceAloneStatus() }),
      });
      registerDeviceHandlers(processor, {
        store,
        access,
        pipeline: pipeline ?? undefined,
        gateId: config.gateId,
        siteId: config.site.id,
        logger: logger.child("commands"),
        publishNotice: () => {
          const n = currentNotice(store);
          if (n) void mqttLink.publishNotice(n);
        },
        requestAtGateEnrollment: (personRef: string, validForMs: number) => gate.requestEnrollment(personRef, validForMs),
        // Template sync needs a face path: a gate without one neither makes nor takes templates.
        ...(pipeline ? { faceModel: options.faceModel ?? installedFaceModel(), newId: randomUUID } : {}),
      });
      const recovered = processor.recoverInterrupted();
      if (recovered > 0) log.warn("commands interrupted by a restart were answered command_interrupted", { count: recovered });
      processor.prune();
      mqttLink.start();
      link = mqttLink;
      cleanups.push(() => mqttLink.stop());
      const commands = processor;
      cleanups.push(() => commands.flushRefusals()); // runs before the link stops: the last minute's refusal counts are audited
    }

    log.info("gate started", { gate: config.gateId, face: faceUnavailable ? "unavailable" : "available", mqtt: config.mqtt ? "on" : "off" });
    let stopped = false;
    return {
      config,
      store,
      access,
      index,
      outbox,
      gate,
      pipeline,
      privacy,
      processor,
      link,
      faceUnavailable,
      async stop() {
        if (stopped) return;
        stopped = true;
        await unwind();
        log.info("gate stopped", { gate: config.gateId });
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
