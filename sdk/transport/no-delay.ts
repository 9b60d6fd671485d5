/**
 * TCP_NODELAY on the sockets MQTT.js opens. MQTT traffic here is small packets answered by
 * small packets (a command, its PUBACK, its result): with Nagle's algorithm on one side and
 * delayed ACK on the other, each exchange waits for the peer's ACK timer (tens of ms).
 *
 * MQTT.js builds a fresh stream on every (re)connect through `client.streamBuilder`; the
 * wrapper sets no-delay on each one before it connects (Node keeps the flag until the socket
 * has a handle). WebSocket streams hide their socket: the `ws` library sets no-delay itself.
 */

interface NoDelayCapable {
  setNoDelay(noDelay?: boolean): unknown;
  once(event: string, listener: () => void): unknown;
}

function isNoDelayCapable(stream: unknown): stream is NoDelayCapable {
  return typeof stream === "object" && stream !== null && typeof (stream as { setNoDelay?: unknown }).setNoDelay === "function";
}

/** Sets TCP_NODELAY on a TCP or TLS socket (now and once connected); other streams are left alone. */
export function applyNoDelay<S>(stream: S): S {
  if (!isNoDelayCapable(stream)) return stream;
  stream.setNoDelay(true);
  // A TLS socket gets its TCP handle at connect: set the flag again once it is there.
  stream.once("connect", () => stream.setNoDelay(true));
  return stream;
}

/** Wraps an MQTT.js stream builder so that every stream it makes has TCP_NODELAY. */
export function noDelayStreamBuilder<C, T>(build: (client: C) => T): (client: C) => T {
  return (client: C) => applyNoDelay(build(client));
}
