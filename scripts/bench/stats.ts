// Small statistics for the bench: a fine-grained latency histogram (autocannon's own has 1 ms buckets, too
// coarse for sub-millisecond replays) and the min/median/max figure every reported number is given as.

/** min, median and max over the rounds of one measurement. */
export interface Figure { min: number, median: number, max: number }

export function figure (values: number[]): Figure {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN }
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  return { min: sorted[0], median, max: sorted[sorted.length - 1] }
}

/** Rounds for display and JSON: 3 significant digits below 100, integers above. */
export function round (value: number): number {
  if (!Number.isFinite(value)) return value
  if (Math.abs(value) >= 100) return Math.round(value)
  return Number(value.toPrecision(3))
}

export function roundFigure (value: Figure): Figure {
  return { min: round(value.min), median: round(value.median), max: round(value.max) }
}

const bucketUs = 10
const buckets = 200_000 // 10 µs resolution up to 2 s; slower responses are kept exactly

/** Response times in milliseconds, recorded at 10 µs resolution. */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(buckets)
  readonly #slow: number[] = []
  #total = 0

  record (ms: number): void {
    const bucket = Math.floor(ms * 1000 / bucketUs)
    if (bucket < buckets) this.#counts[bucket]++
    else this.#slow.push(ms)
    this.#total++
  }

  get count (): number {
    return this.#total
  }

  /** The value below which `p` percent of the recorded times fall (upper edge of its bucket). */
  percentile (p: number): number {
    if (this.#total === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil(this.#total * p / 100))
    let seen = 0
    for (let i = 0; i < buckets; i++) {
      seen += this.#counts[i]
      if (seen >= rank) return (i + 1) * bucketUs / 1000
    }
    const slow = [...this.#slow].sort((a, b) => a - b)
    return slow[Math.min(slow.length - 1, rank - seen - 1)]
  }
}
