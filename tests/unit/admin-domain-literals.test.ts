import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/**
 * The domain modules whose messages staff pages show. Staff pages stay English, but every sentence
 * they show comes from the staff catalogue (app/i18n/en-admin.ts), as the pages' own words do.
 */
const files = [
  "app/supporters/admin-supporters.server.ts",
  "app/pledges/pledges.server.ts",
  "app/giving/messages.server.ts",
  "app/organisation/settings.server.ts",
  "app/campaigns/admin-plans.server.ts",
  "app/campaigns/admin-campaigns.server.ts",
  "app/payments/refunds.server.ts",
  "app/campaigns/admin-editing.server.ts",
  "app/reports/dashboard.server.ts",
  ...readdirSync(join(root, "app/audit")).map((name) => `app/audit/${name}`),
  ...readdirSync(join(root, "app/auth"))
    .filter((name) => /^staff-.*\.ts$/.test(name))
    .map((name) => `app/auth/${name}`),
];

/**
 * The rule, kept simple: a string literal (or the text of a template) is a sentence when it has two
 * words separated by a space, or starts with a capital followed by a small letter ("Required").
 * Not counted: comments (not literals), keys passed to t(…), SQL (sql`…` and strings passed to
 * sql.raw), logger/console calls and thrown errors (`new Error(…)`, `one(rows, "what")`,
 * `assertNever`: developers read those, in English), import paths, literal types (`"not_found" |
 * "forbidden"` are codes), and codes/identifiers (no space, no capital start).
 */
const SENTENCE = /\p{L}\s+\p{L}|^\s*\p{Lu}\p{Ll}/u;
/** Literals that are not staff messages, each with its reason. */
const ALLOWED: Record<string, string[]> = {
  // The demo installation's seeded account: data, not something a page says.
  "app/auth/staff-accounts.server.ts": ["Demo Admin"],
  // An HTTP header's name.
  "app/auth/staff-auth.server.ts": ["Cookie"],
  // giftsTaxSentence is shared with the reader's donate page and statement: a reader-facing text.
  "app/organisation/settings.server.ts": [
    "Gifts (donations) to ",
    " are tax-deductible. Supporter subscriptions buy an edition and are not gifts.",
    " are not tax-deductible.",
  ],
};
const EXEMPT_CALLS = /^(t|lazyMessage|sql\.raw|logger\.\w+|log\.\w+|console\.\w+|one|assertNever|super)$/;

function sentences(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(join(root, path), "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isLiteralTypeNode(node)) return;
    if (ts.isTaggedTemplateExpression(node) && node.tag.getText(source) === "sql") return;
    if (ts.isCallExpression(node) && EXEMPT_CALLS.test(node.expression.getText(source))) return;
    if (ts.isNewExpression(node) && /Error$|Failed$/.test(node.expression.getText(source))) return;
    const texts =
      ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
        ? [node.text]
        : ts.isTemplateExpression(node)
          ? [node.head.text, ...node.templateSpans.map((span) => span.literal.text)]
          : [];
    for (const text of texts) {
      if (SENTENCE.test(text) && !ALLOWED[path]?.includes(text))
        found.push(`${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("domain modules staff pages speak through", () => {
  it("write no sentence as a string literal: each comes from the staff catalogue via t(…)", () => {
    expect(files.length).toBeGreaterThan(13);
    const offences = Object.fromEntries(files.map((path) => [path, sentences(path)]).filter(([, s]) => s.length));
    expect(offences).toEqual({});
  });
});
