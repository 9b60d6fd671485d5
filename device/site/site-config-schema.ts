/**
 * The site service's configuration file (`facegate site serve --config site.json`), as a
 * TypeBox schema: the one source of its type and its runtime check, like the device's
 * (device/config/config-schema.ts). Paths are relative to the file's folder.
 */
import { type Static, Type } from "@sinclair/typebox";

export const SITE_CONFIG_VERSION = 1;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ID_HINT = "must be an opaque id of 1-64 letters, digits, '_' or '-' (no personal names)";
const Id = (description: string) => Type.String({ pattern: ID_PATTERN.source, hint: ID_HINT, description });
const Path = (description: string) => Type.String({ minLength: 1, hint: "must be a non-empty string (a path)", description });
const PublicKey = (description: string) => Type.String({ pattern: "^[A-Za-z0-9+/]{43}=$", hint: "must be a base64 public key (32 bytes)", description });

export const SiteConfigFileSchema = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    version: Type.Integer({ description: `Configuration format version; this software reads ${SITE_CONFIG_VERSION}.` }),
    site: Type.Object({ id: Id("The estate (site), an opaque id; the gates' configurations name the same."), processorId: Id("The processor of record (the property company).") }, { additionalProperties: false }),
    database: Type.String({ minLength: 1, hint: "must be a SQLite file path or a postgres:// URL", description: "A SQLite file (default engine, nothing to install) or a postgres://user@host:port/db URL." }),
    databaseSchema: Type.Optional(Type.String({ pattern: "^[a-z_][a-z0-9_]{0,62}$", hint: "must be a lower-case SQL identifier", description: "PostgreSQL only: the schema to use (it must exist)." })),
    dataKeyFile: Path("The service's data key (32 bytes, base64), mode 0600: cards, PINs and operator keys are sealed under it at rest. Created at first start."),
    operatorKeyFile: Path("The operator key file (facegate operator keygen) that signs every command; its public key is enrolled at every gate (L12)."),
    siteKeyFile: Type.Optional(Path("The site key (facegate site keygen) that signs deletion certificates; without it, requests stay complete-pending-certificate.")),
    mqtt: Type.Object(
      {
        url: Type.String({ pattern: "^(mqtts?|wss?|tcp)://.+", hint: "must be an mqtt://, mqtts://, ws:// or wss:// URL" }),
        prefix: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,32}$", hint: "must be 1-32 letters, digits, '_' or '-'" })),
        protocolVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(5)], { hint: "must be 4 (MQTT 3.1.1) or 5" })),
        clientId: Type.Optional(Id("A stable client id: one persistent session, so results and events wait at the broker while the service restarts.")),
        shareEvents: Type.Optional(Id("MQTT 5 shared subscription group for events: instances on one database in one group share the events, each stored once.")),
        caFile: Type.Optional(Path("PEM file of the CA that signed the broker's certificate (mqtts://).")),
        certFile: Type.Optional(Path("PEM client certificate for the broker (with keyFile).")),
        keyFile: Type.Optional(Path("PEM private key of certFile, mode 0600.")),
        username: Type.Optional(Type.String({ minLength: 1, hint: "must be a non-empty string" })),
        passwordFile: Type.Optional(Path("File holding the broker password on its first line, mode 0600.")),
      },
      { additionalProperties: false },
    ),
    gates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id("The gate's id, as in its own configuration."),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
            signingPublicKey: PublicKey("The gate's Ed25519 device key (facegate audit device-key --json), pinned at the first start."),
            boxPublicKey: PublicKey("The gate's X25519 box key: command secrets are sealed to it."),
          },
          { additionalProperties: false },
        ),
        { maxItems: 10_000 },
      ),
    ),
    deletionDeadlineDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: "Open deletion requests older than this raise an alarm; default 5 (SPEC section 1)." })),
    sendWork: Type.Optional(Type.Boolean({ description: "false: this instance stores events and follows the gates, another instance sends the work. Default true." })),
    retrySeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: "How often unanswered or newly queued work is sent again; default 30." })),
    shareWork: Type.Optional(Type.Boolean({ description: "true: several instances on one database all send work, each item claimed before it is sent (a lease), none sent by two. Default false." })),
    workLeaseSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: "How long a claim on work holds without renewal (a killed instance's work is taken over after it); default 30." })),
    auditSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: "How often every gate's audit log is fetched and its chain checked; 0: only on demand. Default 300." })),
    collectedBy: Type.Optional(Id("The office's opaque reference recorded with consents it collects.")),
    http: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1, maxLength: 253, hint: "must be a host name or address", description: "Where the HTTP API listens; default 127.0.0.1 (never all interfaces unless named here)." })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: `Default ${8470}; 0 picks a free port (printed at start).` })),
          sessionMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 60, description: "How long a login lasts; default 480." })),
          secureCookies: Type.Optional(Type.Boolean({ description: "Mark the session cookie Secure (the API is behind TLS)." })),
        },
        { additionalProperties: false, description: "The HTTP API for the operator's console (issue 13 item 6); absent: no HTTP API." },
      ),
    ),
    log: Type.Optional(Type.Object({ level: Type.Optional(Type.Unsafe<"debug" | "info" | "warn" | "error">({ type: "string", enum: ["debug", "info", "warn", "error"] })) }, { additionalProperties: false })),
  },
  { additionalProperties: false, description: "facegate site service configuration" },
);

export type SiteConfigFile = Static<typeof SiteConfigFileSchema>;
