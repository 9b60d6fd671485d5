/** Serialises a payload for its topic kind: the type checker ties kind and payload (sdk/protocol TopicPayloads). */
import type { TopicKind, TopicPayloads } from "../protocol/index.js";

export function encodePayload<K extends TopicKind>(_kind: K, payload: TopicPayloads[K]): Buffer {
  return Buffer.from(JSON.stringify(payload), "utf8");
}
