// Rewrites the executions table in tests/fuzz/README.md (between its two marker comments) from
// tests/fuzz/executions.tsv, which `npm run fuzz` appends to: runs, total executions and findings
// per target, and the commits measured.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsv = path.join(root, 'tests/fuzz/executions.tsv');
const readme = path.join(root, 'tests/fuzz/README.md');
const rows = fs
  .readFileSync(tsv, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'));
const byTarget = new Map();
for (const [date, commit, target, seconds, execs, findings] of rows) {
  const t = byTarget.get(target) ?? {
    runs: 0,
    seconds: 0,
    execs: 0,
    findings: 0,
    commits: new Set(),
    last: '',
  };
  t.runs += 1;
  t.seconds += Number(seconds);
  t.execs += Number(execs);
  t.findings += Number(findings);
  t.commits.add(commit);
  if (date > t.last) t.last = date;
  byTarget.set(target, t);
}
const fmt = (n) => n.toLocaleString('en-US');
const lines = [
  '| target | runs | seconds | executions | findings | commits | last run |',
  '|---|---:|---:|---:|---:|---|---|',
  ...[...byTarget]
    .sort()
    .map(
      ([name, t]) =>
        `| ${name} | ${t.runs} | ${fmt(t.seconds)} | ${fmt(t.execs)} | ${t.findings} | ${[...t.commits].join(', ')} | ${t.last} |`,
    ),
];
const text = fs.readFileSync(readme, 'utf8');
const begin = '<!-- executions:begin -->',
  end = '<!-- executions:end -->';
const a = text.indexOf(begin),
  b = text.indexOf(end);
if (a < 0 || b < a) throw new Error(`${readme} has no ${begin} ... ${end} markers`);
fs.writeFileSync(
  readme,
  text.slice(0, a + begin.length) + '\n' + lines.join('\n') + '\n' + text.slice(b),
);
console.log(lines.join('\n'));
