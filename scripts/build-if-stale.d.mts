// Types of scripts/build-if-stale.mjs (plain JavaScript so that it runs before anything is built).
export declare const buildSources: string[]
export declare const stampPath: string
export declare function buildState (root: string, options?: { sources?: string[], stamp?: string }): Promise<{ upToDate: boolean, reason: string }>
export declare function markBuilt (root: string, startedAt: Date, stamp?: string): Promise<void>
