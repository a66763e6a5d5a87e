import { randomBytes } from "node:crypto";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { openDatabase } from "@db/client.server";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL database migrated once for this run, which createTestDatabase copies; "" on PGlite. */
    templateDatabase: string;
  }
}

/**
 * On PostgreSQL, applies the migrations once per run to a template database, so each test file
 * copies a migrated database instead of migrating its own (createTestDatabase). Made from the
 * current migrations on every run and dropped at its end; its name starts with ff_test_, so
 * CI's clean-up of a crashed run's databases drops it too.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    project.provide("templateDatabase", "");
    return;
  }
  const name = `ff_test_template_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const handle = await openDatabase({ url: url.toString(), poolSize: 1 });
    await handle.close();
  } catch (error) {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    throw error;
  }
  project.provide("templateDatabase", name);
  return async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}
