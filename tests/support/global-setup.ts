import type { TestProject } from "vitest/node";
import { openDatabase } from "@db/client.server";
import { createScratchDatabase, dropLeftovers } from "./scratch-database";

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
  const started = Date.now();
  const template = await createScratchDatabase(adminUrl, "ff_test_template");
  try {
    const handle = await openDatabase({ url: template.url, poolSize: 1 });
    await handle.close();
  } catch (error) {
    await template.drop();
    throw error;
  }
  project.provide("templateDatabase", template.name);
  return async () => {
    await template.drop();
    await dropLeftovers(adminUrl, started);
  };
}
