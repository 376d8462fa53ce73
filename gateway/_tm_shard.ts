/**
 * Rendezvous (highest random weight) hashing of topics over the configured
 * topic managers: each topic belongs to the TM with the highest score for
 * it, so adding or removing a TM moves only the topics it wins or owned.
 * Private to the `tm` broker.
 *
 * @module
 */

const FNV_OFFSET = 0x811c9dc5;

function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The murmur3 finalizer: spreads FNV's weak low bits over the whole word. */
function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Picks the owner of a key among nodes. Every gateway must list the same
 * node names (the order does not matter, the spelling does).
 */
export class Rendezvous {
  readonly #seeds: number[];

  /** Creates a ring over `nodes` (their names seed the scores). */
  constructor(nodes: readonly string[]) {
    this.#seeds = nodes.map((node) => fnv1a(node, FNV_OFFSET));
  }

  /** The index of the node that owns `key`. */
  owner(key: string): number {
    const seeds = this.#seeds;
    if (seeds.length === 1) return 0;
    let best = 0;
    let bestScore = -1;
    for (let i = 0; i < seeds.length; i++) {
      const score = mix(fnv1a(key, seeds[i]));
      if (score > bestScore || (score === bestScore && seeds[i] > seeds[best])) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }
}
