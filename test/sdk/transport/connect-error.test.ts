/**
 * What a failed connection says: the reason and the option that fixes it, and whether
 * retrying can help (a refused network connection can; an untrusted certificate or a
 * refused login cannot, so the operator tools stop waiting at once). The TLS and login
 * cases are shown on a real Mosquitto in test/device/broker/.
 */
import { describe, expect, it } from "vitest";
import { classifyConnectError } from "../../../sdk/transport/connect-error.js";

const err = (message: string, code?: string | number) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe("a failed broker connection", () => {
  it("names the option that fixes a TLS or login refusal, and says retrying will not help", () => {
    expect(classifyConnectError(err("self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"))).toEqual({
      reason: "the broker's TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN): give the CA that signed it (mqtt.caFile, or --ca)",
      permanent: true,
    });
    expect(classifyConnectError(err("Hostname/IP does not match certificate's altnames", "ERR_TLS_CERT_ALTNAME_INVALID"))).toMatchObject({ permanent: true, reason: expect.stringMatching(/does not name the host/) });
    expect(classifyConnectError(err("error:0A00045C:SSL routines::tlsv13 alert certificate required"))).toMatchObject({ permanent: true, reason: expect.stringMatching(/requires a client certificate: give mqtt\.certFile/) });
    expect(classifyConnectError(err("error:0A000418:SSL routines::tlsv1 alert unknown ca"))).toMatchObject({ permanent: true, reason: expect.stringMatching(/refused this client certificate/) });
    expect(classifyConnectError(err("Connection refused: Not authorized", 135))).toMatchObject({ permanent: true, reason: expect.stringMatching(/refused the login \(Connection refused: Not authorized, code 135\)/) });
  });

  it("keeps network failures as they are, to be retried", () => {
    expect(classifyConnectError(err("connect ECONNREFUSED 127.0.0.1:8883", "ECONNREFUSED"))).toEqual({ reason: "connect ECONNREFUSED 127.0.0.1:8883", permanent: false });
    expect(classifyConnectError(err("getaddrinfo EAI_AGAIN broker", "EAI_AGAIN"))).toEqual({ reason: "getaddrinfo EAI_AGAIN broker", permanent: false });
    expect(classifyConnectError(err("socket hang up", "ECONNRESET"))).toEqual({ reason: "ECONNRESET: socket hang up", permanent: false });
  });
});
