// Dedupe for servers of the original protocol, whose frames carry no ids: after a reconnect they
// replay what they still hold, and the exact frame text (timestamps with microseconds) tells what
// was already shown.

/** Frames remembered, by exact text; the oldest are forgotten first. */
const FINGERPRINTS = 4096;

/**
 * A check that remembers the texts of the most recent id-less frames: it returns `true` if this
 * exact frame text was seen among them, and otherwise remembers it.
 */
export function frameFingerprints(): (text: string) => boolean {
  const seen = new Set<string>();
  return (text) => {
    if (seen.has(text)) return true;
    seen.add(text);
    // A Set iterates in insertion order: its first value is the oldest.
    if (seen.size > FINGERPRINTS) seen.delete(seen.values().next().value as string);
    return false;
  };
}
