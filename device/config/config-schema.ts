/**
 * The device configuration file's schema (TypeBox): the one source of its TypeScript type,
 * its runtime check and its published JSON Schema (`facegate schema config`, committed as
 * device/config/device-config.schema.json). Rules JSON Schema cannot state (the gate must
 * be among the policies, minors' consent no longer than adults', an admin key when MQTT is
 * on) follow the schema in device-config.ts.
 */
import { type Static, Type } from "@sinclair/typebox";
import { GatePoliciesSchema } from "../../sdk/policy/gate-policy.js";

export const CONFIG_VERSION = 1;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ID_HINT = "must be an opaque id of 1-64 letters, digits, '_' or '-' (no personal names)";

const Id = (description: string) => Type.String({ pattern: ID_PATTERN.source, hint: ID_HINT, description });
const Path = (description: string) => Type.String({ minLength: 1, hint: "must be a non-empty string (a path)", description });
const NonEmpty = (description?: string) => Type.String({ minLength: 1, hint: "must be a non-empty string", ...(description ? { description } : {}) });

export const DeviceConfigFileSchema = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    version: Type.Integer({ description: `Configuration format version; this software reads ${CONFIG_VERSION}.` }),
    site: Type.Object(
      {
        id: Id("The estate (site), an opaque id."),
        processorId: Id("The personal-information processor of record (the property company)."),
      },
      { additionalProperties: false },
    ),
    gateId: Id("This terminal's gate; its policy must be among `gates`."),
    gates: GatePoliciesSchema,
    dataDir: Path("Where the database lives (relative paths are relative to this file)."),
    keyFile: Type.Optional(Path("The device master key file, mode 0600; default <dataDir>/keys/device.key. Never inside the database.")),
    models: Type.Optional(
      Type.Object(
        {
          dir: Type.Optional(Path("Where the ONNX models are; default: the installed ones.")),
          enabled: Type.Optional(Type.Boolean({ description: "false: no face path; card and PIN only." })),
        },
        { additionalProperties: false },
      ),
    ),
    drivers: Type.Optional(
      Type.Unsafe<unknown>({
        description:
          'The hardware drivers: "simulated" (default), or an object with a driver per device (cardReader, keypad: "simulated", {"kind":"osdp","address":N} or {"kind":"wiegand"}; indicator, display: "simulated" or osdp; relay, doorSensor, exitButton: "simulated" or {"kind":"gpio","chip","line","active",...}; camera: "simulated" or {"kind":"ffmpeg","source",...}) and the shared parts osdp (the RS-485 bus: port, readers, keyFile, secureChannel) and wiegand (chip, d0, d1). Checked by device/config/drivers-config.ts, whose errors name the field.',
      }),
    ),
    consent: Type.Optional(
      Type.Object(
        {
          maxDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: "Longest consent term accepted (L9); default 365." })),
          maxMinorDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: "Longest term for minors (L10); default min(180, maxDays)." })),
        },
        { additionalProperties: false },
      ),
    ),
    mqtt: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: "^(mqtts?|wss?|tcp)://.+", hint: "must be an mqtt://, mqtts://, ws:// or wss:// URL" }),
          prefix: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,32}$", hint: "must be 1-32 letters, digits, '_' or '-'" })),
          protocolVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(5)], { hint: "must be 4 (MQTT 3.1.1) or 5" })),
          caFile: Type.Optional(Path("PEM file of the CA that signed the broker's certificate (mqtts://); default: the system's trusted CAs.")),
          certFile: Type.Optional(Path("PEM client certificate for the broker (with keyFile); `facegate broker-config` names its subject.")),
          keyFile: Type.Optional(Path("PEM private key of certFile, mode 0600, owned by the device user.")),
          username: Type.Optional(NonEmpty("Broker user name (with passwordFile); never inside the URL.")),
          passwordFile: Type.Optional(Path("File holding the broker password on its first line, mode 0600; never inside the URL.")),
        },
        { additionalProperties: false },
      ),
    ),
    operators: Type.Optional(
      Type.Array(
        Type.Object(
          {
            label: NonEmpty("Who holds the key; named in the audit log (L12)."),
            role: Type.Unsafe<"admin" | "operator" | "auditor">({ type: "string", enum: ["admin", "operator", "auditor"] }),
            publicKey: Type.String({ pattern: "^[A-Za-z0-9+/]{43}=$", hint: "must be a base64 Ed25519 public key (32 bytes)" }),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    notice: Type.Optional(
      Type.Object(
        {
          version: Type.Integer({ minimum: 1 }),
          language: NonEmpty("BCP 47 tag, e.g. zh-CN."),
          purpose: NonEmpty(),
          method: NonEmpty(),
          scope: NonEmpty(),
          retention: NonEmpty(),
          contact: NonEmpty(),
          rights: NonEmpty(),
        },
        { additionalProperties: false, description: "Published at first start if the device has no notice yet (L3)." },
      ),
    ),
    log: Type.Optional(
      Type.Object({ level: Type.Optional(Type.Unsafe<"debug" | "info" | "warn" | "error">({ type: "string", enum: ["debug", "info", "warn", "error"] })) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false, description: "facegate device configuration" },
);

export type DeviceConfigFile = Static<typeof DeviceConfigFileSchema>;
