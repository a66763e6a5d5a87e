// What every benchmark needs from its environment: the PostgreSQL to use and the scale.

/** BENCH_SCALE=0.1 seeds and measures a tenth of a national campaign, for development. */
export function benchScale(): number {
  const raw = process.env.BENCH_SCALE ?? "1";
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10)
    throw new Error(`BENCH_SCALE must be a number in (0, 10], not ${raw}`);
  return scale;
}

/** Benchmarks run against PostgreSQL only: the embedded database is not what a national campaign runs on. */
export function benchDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(
      "Set DATABASE_URL to a PostgreSQL database for benchmarks, e.g. createdb -h 127.0.0.1 -U postgres ff_bench && DATABASE_URL=postgres://postgres@127.0.0.1:5432/ff_bench",
    );
  }
  return url;
}

/** The staff account the seed creates, so admin benchmarks can sign in. Not a secret: a benchmark database only. */
export const BENCH_ADMIN = {
  email: "bench-admin@example.org",
  password: "bench-admin-password-not-secret",
  name: "Bench Admin",
} as const;

/** The webhook signing secret the benchmark server and its senders share. */
export const BENCH_WEBHOOK_SECRET = "whsec_fighting_fund_benchmarks";
export const BENCH_STRIPE_KEY = "sk_test_fighting_fund_benchmarks";
