/**
 * Turns what MQTT.js and TLS report when a connection fails into one line an installer can
 * act on: which side refused, and which option fixes it (device config `mqtt.*`, operator
 * CLI `--ca`, `--tls-cert`, `--tls-key`, `--username`, `--password-file`). The text names
 * options and error codes only, never a credential.
 */

const UNTRUSTED = new Set(["SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT"]);

/** MQTT 3.1.1 CONNACK return codes and MQTT 5 reason codes that mean "not you". */
const REFUSED_LOGIN = new Set([4, 5, 0x86, 0x87, 0x8c]);

export interface ConnectFailure {
  reason: string;
  /** Trying again will not help (trust, certificate or login): fix the configuration. */
  permanent: boolean;
}

export function describeConnectError(err: unknown): string {
  return classifyConnectError(err).reason;
}

export function classifyConnectError(err: unknown): ConnectFailure {
  const reason = describe(err);
  const permanent = !/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/.test(reason) && !/TLS failed/.test(reason) && reason !== fallback(err);
  return { reason, permanent };
}

function fallback(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const code = e?.code;
  return `${typeof code === "string" && !message.includes(code) ? `${code}: ` : ""}${message}`;
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = e?.code;
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (typeof code === "string" && UNTRUSTED.has(code)) {
    return `the broker's TLS certificate is not trusted (${code}): give the CA that signed it (mqtt.caFile, or --ca)`;
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `the broker's TLS certificate does not name the host in the URL (${code}): use the name the certificate was made for`;
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return `the broker's TLS certificate is not valid now (${code})`;
  if (/alert certificate required|alert handshake failure/i.test(message)) {
    return "the broker requires a client certificate: give mqtt.certFile and mqtt.keyFile (or --tls-cert and --tls-key)";
  }
  if (/alert (unknown ca|bad certificate|certificate unknown|decrypt error|certificate expired|certificate revoked)/i.test(message)) {
    return "the broker refused this client certificate (not signed by the CA it trusts, or expired)";
  }
  if (typeof code === "number" && REFUSED_LOGIN.has(code)) {
    return `the broker refused the login (${message}, code ${code}): check the username and password file, or the client certificate, and the broker's ACL`;
  }
  if (message.includes("wrong version number") || code === "EPROTO") {
    return `TLS failed (${message}): the port may not speak TLS (mqtts:// needs the broker's TLS listener, usually 8883)`;
  }
  return fallback(err);
}
