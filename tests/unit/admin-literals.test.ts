import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/** The staff pages and the components only they use. */
const files = [
  ...readdirSync(join(root, "app/routes"))
    .filter((name) => /^admin[.\w$[\]-]*\.tsx$/.test(name))
    .map((name) => join("app/routes", name)),
  ...["CampaignForm", "PlanForm", "SupporterCombobox", "IncomeChart"].map((name) => `app/ui/${name}.tsx`),
];

/** Attributes whose value people read (or hear, from a screen reader). */
const READ_ATTRIBUTES = new Set([
  "label",
  "hint",
  "caption",
  "aria-label",
  "submitLabel",
  "title",
  "legend",
  "placeholder",
  "alt",
]);

/** Words written straight into the markup of a file, instead of through t(…). */
function literalWords(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(join(root, path), "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && /\p{L}/u.test(node.text)) found.push(node.text.trim());
    if (
      ts.isJsxAttribute(node) &&
      node.initializer &&
      ts.isStringLiteral(node.initializer) &&
      READ_ATTRIBUTES.has(node.name.getText(source)) &&
      /\p{L}/u.test(node.initializer.text)
    )
      found.push(`${node.name.getText(source)}="${node.initializer.text}"`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("staff pages", () => {
  it("write no words straight into their markup: every one comes from the catalogue", () => {
    expect(files.length).toBeGreaterThan(25);
    const offences = Object.fromEntries(files.map((path) => [path, literalWords(path)]).filter(([, w]) => w.length));
    expect(offences).toEqual({});
  });
});
