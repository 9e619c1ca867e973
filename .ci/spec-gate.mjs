// The policy of .ci/spec-gate.sh: classifies the changes between two versions of
// openapi/jumio-kyx.yaml with api-smart-diff (OpenAPI 3.0 rules) plus the rules of README.md
// "Versioning" that api-smart-diff does not apply, and checks info.version and CHANGELOG.md.
//
// Usage: node .ci/spec-gate.mjs NODE_TOOLS BASE_LABEL BASE_SPEC HEAD_SPEC HEAD_CHANGELOG
//   NODE_TOOLS: the npm prefix that holds api-smart-diff and js-yaml.
// Exit status 0: the version bump and the changelog fit the changes; 1: they do not.
//
// What api-smart-diff classifies (by direction: a request may not narrow, a response may not
// widen): operations, parameters, request bodies, responses and status codes added or removed;
// required added or removed; schema validators (maxLength, minimum, pattern, ...) tightened or
// loosened; enum values added or removed; type changes in requests; security; descriptions and
// examples as annotations. What it does not, and this script adds (README "Versioning"):
//   - a property removed from a request or a response is a major change (api-smart-diff: non-breaking);
//   - a changed `type` or `format` is a major change in responses too (the generated type changes);
//   - an `enum` value removed is a major change in responses too;
//   - `x-extensible-enum` (an open enumeration): a value added is minor, a value removed or renamed
//     is major, the list added or removed is major (the Rust client's type changes between a string
//     and an enumeration); closing an open enumeration (`enum` added) it already flags as breaking;
//   - callbacks (what Jumio POSTs to the client): api-smart-diff does not diff them inside
//     operations, so each callback body is diffed as a response of a stand-in path `/(callback) ...`;
//   - a schema added to or removed from components/schemas (a generated type) is minor or major;
//   - an operation that gets its first parameters, one of them required, or a required request body
//     is a major change (api-smart-diff looks at `required` only for a parameter added to a list);
//   - an operation's `operationId` or `tags` changed is major (api-smart-diff: annotation): the
//     generated call is renamed, or moves to another module (openapi-python-client, per tag);
//   - a change it leaves unclassified (an extension, say) counts as minor and is listed for review.
// A change of the file that no rule sees (YAML comments, formatting) needs at least a patch version.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [nodeTools, baseLabel, baseFile, headFile, changelogFile] = process.argv.slice(2);
if (!changelogFile) {
  console.error("usage: node spec-gate.mjs NODE_TOOLS BASE_LABEL BASE_SPEC HEAD_SPEC HEAD_CHANGELOG");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(nodeTools), "resolve-from-here.js"));
const yaml = require("js-yaml");
const { apiDiff } = require("api-smart-diff");

const LEVELS = ["none", "patch", "minor", "major"];
const rank = (level) => LEVELS.indexOf(level);
const LABEL = {
  major: "major: breaking for clients generated from the previous version",
  minor: "minor: compatible additions",
  patch: "patch: descriptions, examples and metadata",
};
const PATCH_LINES_SHOWN = 15;

function fail(message) {
  console.log(`\nspec gate: FAIL: ${message}`);
  process.exit(1);
}

function parseVersion(text, where) {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/.exec(String(text ?? ""));
  if (!match) fail(`info.version ${JSON.stringify(text)} of ${where} is not a semantic version X.Y.Z`);
  return { text: String(text), parts: match.slice(1, 4).map(Number) };
}

function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) if (a.parts[i] !== b.parts[i]) return a.parts[i] - b.parts[i];
  return a.text === b.text ? 0 : a.text.includes("-") ? -1 : 1;
}

function bumpLevel(base, head) {
  if (head.parts[0] !== base.parts[0]) return "major";
  if (head.parts[1] !== base.parts[1]) return "minor";
  return "patch";
}

function resolveRef(spec, node) {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === "string" && hops < 20; hops++) {
    const pointer = current.$ref.replace(/^#\//, "").split("/");
    current = pointer.reduce((value, key) => value?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
  }
  return current;
}

// Open enumerations become objects keyed by value (api-smart-diff compares other lists index by
// index, so a value inserted in the middle would look like renamed values).
function openEnumsAsSets(node) {
  if (Array.isArray(node)) return node.map(openEnumsAsSets);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "x-extensible-enum" && Array.isArray(value)
        ? Object.fromEntries(value.map((item) => [String(item), true]))
        : openEnumsAsSets(value);
  }
  return out;
}

// Each callback operation becomes a stand-in path whose 200 response is the callback's body: what
// Jumio sends is what the client receives, so it is diffed with the rules of a response.
function prepare(spec) {
  const copy = openEnumsAsSets(spec);
  const standIns = {};
  for (const [route, item] of Object.entries(copy.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      if (!operation || typeof operation !== "object" || !operation.callbacks) continue;
      const owner = operation.operationId ?? `${method.toUpperCase()} ${route}`;
      for (const [name, callback] of Object.entries(operation.callbacks)) {
        for (const [expression, callbackItem] of Object.entries(resolveRef(copy, callback) ?? {})) {
          for (const [callbackMethod, callbackOperation] of Object.entries(callbackItem ?? {})) {
            const body = resolveRef(copy, callbackOperation?.requestBody);
            if (!body?.content) continue;
            standIns[`/(callback) ${owner} ${name} ${expression}`] = {
              [callbackMethod]: {
                operationId: callbackOperation.operationId,
                responses: { 200: { description: body.description ?? "callback body", content: body.content } },
              },
            };
          }
        }
      }
      delete operation.callbacks;
    }
  }
  copy.paths = { ...copy.paths, ...standIns };
  return copy;
}

// Components reach clients through the operations that reference them, where api-smart-diff diffs
// them again with the direction it needs; only these components are counted on their own.
const COUNTED_COMPONENTS = new Set(["securitySchemes"]);

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

// The level of one change, and why: README "Versioning" first, then api-smart-diff's class.
// `after` is the prepared spec at HEAD, to resolve references in added parts.
function classify(diff, after) {
  const p = diff.path.map(String);
  const key = p[p.length - 1];
  const parent = p[p.length - 2];
  const inSchema = p.includes("schema") || p[0] === "components";
  // The field of an operation that the change is in (`parameters`, `tags`, ...), when it is in one.
  const operationKey = p[0] === "paths" && p.length >= 4 && HTTP_METHODS.has(p[2]) ? p[3] : null;
  const standIn = p[0] === "paths" && p[1].startsWith("/(callback) ");
  if (p[0] === "components") {
    if (p[1] === "schemas" && p.length === 3 && diff.action !== "replace") {
      return diff.action === "add"
        ? ["minor", "a schema (generated type) added"]
        : ["major", "a schema (generated type) removed"];
    }
    if (!COUNTED_COMPONENTS.has(p[1])) return null;
  }
  if (p[0] === "info" && key === "version") return null;
  if (!standIn && (operationKey === "operationId" || operationKey === "tags")) {
    // Generators name the call after the operationId, and openapi-python-client puts it in the
    // module of its first tag.
    return ["major", `the operation's \`${operationKey}\` changed: its generated call is renamed or moves`];
  }
  if (operationKey === "parameters" && p.length === 4 && diff.action === "add") {
    // api-smart-diff checks `required` of a parameter added to a list, not of a new list.
    const required = (diff.after ?? []).map((item) => resolveRef(after, item)).filter((item) => item?.required);
    if (required.length) {
      const names = required.map((item) => `${item.in} ${item.name}`).join(", ");
      return ["major", `a required parameter added (${names})`];
    }
  }
  if (operationKey === "requestBody" && p.length === 4 && diff.action === "add" &&
    resolveRef(after, diff.after)?.required) {
    return ["major", "a required request body added"];
  }
  if (inSchema && parent === "properties" && diff.action === "remove") {
    return ["major", "a field removed (README: major)"];
  }
  if (inSchema && parent !== "properties" && (key === "type" || key === "format")) {
    return ["major", `\`${key}\` changed: the generated type changes (README: major)`];
  }
  if (inSchema && parent === "enum" && diff.action === "remove") {
    return ["major", "an enumeration value removed (README: major)"];
  }
  if (parent === "x-extensible-enum") {
    return diff.action === "add"
      ? ["minor", "a value of an open enumeration added (README: minor)"]
      : ["major", "a value of an open enumeration removed or renamed (README: major)"];
  }
  if (key === "x-extensible-enum" && parent !== "properties") {
    return ["major", "an open enumeration's list of values added or removed (the generated type changes)"];
  }
  switch (diff.type) {
    case "breaking":
      return ["major", "api-smart-diff: breaking"];
    case "non-breaking":
      return ["minor", "api-smart-diff: non-breaking"];
    case "deprecated":
      return ["minor", "api-smart-diff: deprecated"];
    case "annotation":
      return ["patch", "api-smart-diff: annotation"];
    default:
      return ["minor", "api-smart-diff: unclassified, counted as minor; review it"];
  }
}

function where(diff) {
  return diff.path
    .map(String)
    .join(" > ")
    .replace(/ > content > application\/json > schema/g, " > (json)");
}

const baseText = readFileSync(baseFile, "utf8");
const headText = readFileSync(headFile, "utf8");
const base = yaml.load(baseText);
const head = yaml.load(headText);
const baseVersion = parseVersion(base?.info?.version, baseLabel);
const headVersion = parseVersion(head?.info?.version, "HEAD");
console.log(`info.version: ${baseVersion.text} at ${baseLabel}, ${headVersion.text} at HEAD`);

if (baseText === headText) {
  console.log(`\nspec gate: ok: openapi/jumio-kyx.yaml is unchanged since ${baseLabel}`);
  process.exit(0);
}

const preparedHead = prepare(head);
const diffs = apiDiff(prepare(base), preparedHead);
const byLevel = { major: [], minor: [], patch: [] };
let skipped = 0;
for (const diff of diffs) {
  const verdict = classify(diff, preparedHead);
  if (!verdict) {
    skipped++;
    continue;
  }
  const [level, reason] = verdict;
  // api-smart-diff describes the first of several equal changes; the others get a plain description.
  const text = /^\[/.test(diff.description ?? "")
    ? diff.description
    : `[${diff.action}] ${diff.path.slice(-2).join(".")}`;
  byLevel[level].push(`${text}  {${reason}}\n      at ${where(diff)}`);
}
let required = "patch"; // the file changed
for (const level of ["major", "minor", "patch"]) {
  const lines = byLevel[level];
  if (!lines.length) continue;
  if (rank(level) > rank(required)) required = level;
  console.log(`\n${LABEL[level]} (${lines.length})`);
  const shown = level === "patch" ? lines.slice(0, PATCH_LINES_SHOWN) : lines;
  for (const line of shown) console.log(`  - ${line}`);
  if (shown.length < lines.length) console.log(`  ... and ${lines.length - shown.length} more`);
}
const counted = byLevel.major.length + byLevel.minor.length + byLevel.patch.length;
if (!counted) console.log("\nno change that a client sees (comments or formatting only)");
console.log(
  `\n${counted} change(s) counted, ${skipped} more inside components/ (counted where operations use them)`,
);
console.log(`needed: at least a ${required} version`);

const order = compareVersions(headVersion, baseVersion);
if (order === 0) {
  fail(`the spec changed since ${baseLabel} but info.version is still ${headVersion.text}: raise it`);
}
if (order < 0) fail(`info.version went down, from ${baseVersion.text} to ${headVersion.text}`);
const bump = bumpLevel(baseVersion, headVersion);
console.log(`bump: ${bump} (${baseVersion.text} -> ${headVersion.text})`);
if (rank(bump) < rank(required)) {
  fail(
    `the changes need a ${required} version, but ${baseVersion.text} -> ${headVersion.text} is a ` +
      `${bump} bump (README "Versioning")`,
  );
}

// CHANGELOG.md: a Keep a Changelog entry `## [X.Y.Z] ...` with some text under it.
const changelog = readFileSync(changelogFile, "utf8").split("\n");
const escaped = headVersion.text.replace(/[.+-]/g, "\\$&");
const heading = changelog.findIndex((line) => new RegExp(`^## \\[${escaped}\\]`).test(line));
if (heading < 0) fail(`CHANGELOG.md has no entry "## [${headVersion.text}] - YYYY-MM-DD"`);
const next = changelog.findIndex((line, i) => i > heading && /^## /.test(line));
const body = changelog.slice(heading + 1, next < 0 ? undefined : next).filter((line) => line.trim());
if (!body.length) fail(`the CHANGELOG.md entry of ${headVersion.text} is empty`);
console.log(`CHANGELOG.md: ${changelog[heading].trim()} (${body.length} lines)`);
console.log(`\nspec gate: ok: ${bump} bump ${baseVersion.text} -> ${headVersion.text} covers the changes`);
