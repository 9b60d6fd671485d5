/**
 * The device's MQTT client id. A broker hands a persistent session (its subscriptions and
 * the QoS 1 commands queued while the device was away) to whoever connects with that
 * session's client id, so the id must not be guessable from public names: the former
 * `fg-<site>-<gate>` let any broker client take the session (10 of 10 queued commands
 * went to a thief).
 *
 * The device keeps `clean: false` so commands wait for it across restarts; the id must
 * therefore be stable, so it is not random per start but a keyed hash of the topic
 * prefix, site and gate under a key derived from the device master key
 * (KeyHierarchy.keyedIdentifier): the same on every start, different for every device key
 * and deployment, unpredictable without the key, and it names neither site nor gate.
 * The broker ACL (`facegate broker-config`) confines each login to its own topics on top.
 */
import { assertOpaqueId, assertPrefix } from "../protocol/index.js";

/** A keyed hash with the device's identifier key (KeyHierarchy.keyedIdentifier). */
export type KeyedIdentifier = (purpose: string, input: string) => Uint8Array;

export const CLIENT_ID_PURPOSE = "mqtt-client-id";

export function deviceClientId(keyed: KeyedIdentifier, address: { prefix: string; site: string; gate: string }): string {
  assertPrefix(address.prefix);
  assertOpaqueId("site", address.site);
  assertOpaqueId("gate", address.gate);
  const digest = keyed(CLIENT_ID_PURPOSE, `${address.prefix}\n${address.site}\n${address.gate}`);
  return `fg-${Buffer.from(digest).toString("hex")}`;
}
