import { connect, disconnect } from "@db/client.server";
import { searchSupporters } from "~/supporters/search.server";
const { db } = await connect({ url: process.env.DATABASE_URL!, poolSize: 1 });
for (const q of process.argv.slice(2)) { for (let i = 0; i < 3; i++) { const t = performance.now(); const r = await searchSupporters(db, { q, limit: 25 }); console.log(q, (performance.now() - t).toFixed(1), r.rows.length); } }
await disconnect();
