/**
 * Log-bucketed latency histogram: every delivery is recorded (no sampling bias) for one
 * `Math.log` and one array increment, and workers merge by adding their bucket arrays.
 * Buckets grow by 2 %, so reported percentiles are within 2 % of the truth, from 1 µs to
 * 1,000 s in about 1,050 buckets.
 *
 * @module
 */

const GROWTH = 1.02;
const SCALE = 1 / Math.log(GROWTH);
/** Number of buckets; values beyond the last one land in it. */
export const BUCKETS = Math.ceil(Math.log(1e9) * SCALE) + 1;

/** Counts of latencies per bucket plus the exact maximum. */
export class LatencyHistogram {
  /** Bucket counts; bucket b holds latencies in [GROWTH^(b-1), GROWTH^b) µs. */
  readonly counts: Float64Array = new Float64Array(BUCKETS);
  /** Exact largest recorded latency in ms. */
  max_ms = 0;
  /** Number of recorded latencies. */
  total = 0;

  /** Records one latency in milliseconds; negative clock skew counts as zero. */
  record(ms: number): void {
    const us = ms * 1000;
    const b = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) * SCALE));
    this.counts[b]++;
    this.total++;
    if (ms > this.max_ms) this.max_ms = ms;
  }

  /** The latency in ms under which a fraction `q` (0..1) of recordings fall; 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(this.max_ms, GROWTH ** b / 1000);
    }
    return this.max_ms;
  }

  /** Sparse form for the worker link: [bucket, count] pairs of non-empty buckets. */
  to_sparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b] > 0) out.push([b, this.counts[b]]);
    return out;
  }

  /** Adds a sparse form produced by `to_sparse()`. */
  merge_sparse(pairs: [number, number][], max_ms: number): void {
    for (const [b, n] of pairs) {
      this.counts[b] += n;
      this.total += n;
    }
    if (max_ms > this.max_ms) this.max_ms = max_ms;
  }
}
