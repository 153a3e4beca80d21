/** The evidence period: [fromMs, toMs). */
export interface Period {
  fromMs: number;
  toMs: number;
}

/** The framework ids a section answers (research/compliance-and-naming.md §3, "Proposed" columns). */
export interface Citation {
  soc2: readonly string[];
  iso27001: readonly string[];
}
