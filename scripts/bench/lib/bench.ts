// What a benchmark is, for the runner (scripts/bench/run.ts).
import type { Result } from "./report";

export type BenchContext = { scale: number; databaseUrl: string };

export type Bench = {
  name: string;
  /** One line for `npm run bench -- --list`. */
  title: string;
  /** False for benchmarks that bring their own database (start-up uses the embedded one). */
  usesDatabase?: boolean;
  run: (context: BenchContext) => Promise<Result[]>;
};
