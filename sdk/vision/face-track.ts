/**
 * Tracking the face at the door over consecutive frames, pure: no model, no clock, no
 * I/O. The gate feeds it each analysed frame's face at the door (its box, the frame's
 * time, which enrolled person that frame's embedding names, and the embedding); it
 * answers whether the frame continues the current track and whether the last frames of
 * the track agree.
 *
 * - Same track: the box overlaps the previous frame's box (IoU >= minIou) and came within
 *   maxGapMs of it. A frame without a box (an analyzer that reports none) continues the
 *   track on time alone.
 * - Agreement: the number of consecutive frames of the track that named the same person;
 *   a frame naming nobody (or someone else) starts the count again.
 * - Fusion: the track keeps the sum of its frames' embeddings; `fusedEmbedding` is their
 *   normalised mean, which a decision is searched with (it averages out the noise of one
 *   frame: pose, blur, lighting).
 *
 * L4: the fused sum is biometric data held between frames. It is zero-filled when the
 * track ends (a new track starts, or `endTrack`), and never leaves this state except as
 * the copy `fusedEmbedding` returns, which the caller wipes after its search.
 */
import type { Box } from "./types.js";

export interface TrackSettings {
  /** Frames of one track that must name the same person before a face decision. */
  readonly framesRequired: number;
  /** A frame later than this after the last one starts a new track. */
  readonly maxGapMs: number;
  /** Minimum overlap (IoU) of consecutive boxes of one track. */
  readonly minIou: number;
}

export const DEFAULT_TRACK_SETTINGS: TrackSettings = { framesRequired: 3, maxGapMs: 1_000, minIou: 0.3 };

export interface FaceTrack {
  readonly id: number;
  readonly box: Box | undefined;
  readonly lastAt: number;
  /** Frames in the track so far. */
  readonly frames: number;
  /** The person the last `agreeing` frames named (null: nobody). */
  readonly personRef: string | null;
  readonly agreeing: number;
  /** Sum of the frames' embeddings (owned by the track). */
  readonly sum: Float32Array;
}

export interface TrackerState {
  readonly track: FaceTrack | null;
  readonly nextId: number;
}

export const INITIAL_TRACKER_STATE: TrackerState = { track: null, nextId: 1 };

export interface TrackedFrame {
  box: Box | undefined;
  at: number;
  /** The person this frame's embedding alone names at the threshold, or null. */
  personRef: string | null;
  /** Lent for the call: added to the track's sum, not kept. */
  embedding: Float32Array;
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x), y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width), y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

function continues(track: FaceTrack, frame: TrackedFrame, settings: TrackSettings): boolean {
  if (frame.at - track.lastAt > settings.maxGapMs || frame.at < track.lastAt) return false;
  if (!track.box || !frame.box) return true;
  return iou(track.box, frame.box) >= settings.minIou;
}

/**
 * Adds a frame. The returned state owns a new sum when a track starts (the previous
 * track's sum is wiped); `agreed` is true when the track's last `framesRequired` frames
 * named the same person.
 */
export function trackFrame(state: TrackerState, frame: TrackedFrame, settings: TrackSettings = DEFAULT_TRACK_SETTINGS): { state: TrackerState; track: FaceTrack; agreed: boolean; newTrack: boolean } {
  const prev = state.track;
  const same = prev !== null && continues(prev, frame, settings);
  if (prev && !same) prev.sum.fill(0);
  const sum = same ? prev.sum : new Float32Array(frame.embedding.length);
  if (sum.length === frame.embedding.length) for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + frame.embedding[i]!;
  const agreeing = frame.personRef === null ? 0 : same && prev.personRef === frame.personRef ? prev.agreeing + 1 : 1;
  const track: FaceTrack = {
    id: same ? prev.id : state.nextId,
    box: frame.box,
    lastAt: frame.at,
    frames: same ? prev.frames + 1 : 1,
    personRef: frame.personRef,
    agreeing,
    sum,
  };
  return { state: { track, nextId: same ? state.nextId : state.nextId + 1 }, track, agreed: frame.personRef !== null && agreeing >= settings.framesRequired, newTrack: !same };
}

/** A copy of the track's fused embedding, unit length; the caller wipes it after use. */
export function fusedEmbedding(track: FaceTrack): Float32Array {
  const v = Float32Array.from(track.sum);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}

/** Ends the track (the person left, a decision was made, the gate stops): wipes its sum. */
export function endTrack(state: TrackerState): TrackerState {
  state.track?.sum.fill(0);
  return { track: null, nextId: state.nextId };
}
