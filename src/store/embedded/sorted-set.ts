// The sorted set behind the embedded Redis' ZSET commands: members ordered by score, then by bytes
// (binary strings compare char by char, which is byte order), with a member -> score index.
export interface ZEntry {
  readonly member: string
  readonly score: number
}

export interface ScoreBound {
  readonly value: number
  readonly exclusive: boolean
}

function before (a: ZEntry, b: ZEntry): boolean {
  return a.score < b.score || (a.score === b.score && a.member < b.member)
}

export class SortedSet {
  readonly #scores = new Map<string, number>()
  /** Kept sorted; binary search finds positions, splice moves entries (fine at development sizes). */
  readonly #entries: ZEntry[] = []

  get size (): number {
    return this.#entries.length
  }

  score (member: string): number | undefined {
    return this.#scores.get(member)
  }

  /** Adds or moves `member`; true if it was new. */
  set (member: string, score: number): boolean {
    const previous = this.#scores.get(member)
    if (previous !== undefined) {
      if (previous === score) return false
      this.#entries.splice(this.#position({ member, score: previous }), 1)
    }
    const entry = { member, score }
    this.#entries.splice(this.#position(entry), 0, entry)
    this.#scores.set(member, score)
    return previous === undefined
  }

  delete (member: string): boolean {
    const score = this.#scores.get(member)
    if (score === undefined) return false
    this.#entries.splice(this.#position({ member, score }), 1)
    this.#scores.delete(member)
    return true
  }

  /** Entries at indexes start..stop (inclusive, already clamped to the set). */
  slice (start: number, stop: number): ZEntry[] {
    return this.#entries.slice(start, stop + 1)
  }

  /** Entries whose score lies within min..max, in ascending order. */
  rangeByScore (min: ScoreBound, max: ScoreBound): ZEntry[] {
    const result: ZEntry[] = []
    let i = this.#firstAtLeast(min)
    for (; i < this.#entries.length; i++) {
      const { score } = this.#entries[i]
      if (score > max.value || (max.exclusive && score === max.value)) break
      result.push(this.#entries[i])
    }
    return result
  }

  /** Index of the first entry not below `entry` (where it is, or would be inserted). */
  #position (entry: ZEntry): number {
    let low = 0
    let high = this.#entries.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (before(this.#entries[middle], entry)) low = middle + 1
      else high = middle
    }
    return low
  }

  #firstAtLeast (min: ScoreBound): number {
    let low = 0
    let high = this.#entries.length
    while (low < high) {
      const middle = (low + high) >>> 1
      const { score } = this.#entries[middle]
      if (score < min.value || (min.exclusive && score === min.value)) low = middle + 1
      else high = middle
    }
    return low
  }
}
