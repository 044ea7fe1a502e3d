// Writes the npm package's custom-elements.json (Custom Elements Manifest schema 2.1.0) from the
// elements' sources: tag and class from customElements.define, attributes and fields from Lit's
// `static properties` and the class's public fields, public methods, events from the file's
// HTMLElementEventMap, descriptions from the file's header comment and the members' /** */ docs.
// Ours rather than @custom-elements-manifest/analyzer, which brings a second TypeScript (5.x) and
// a file watcher for what these five files need; the parser is the one Vite already uses
// (rolldown's oxc). Not a general analyzer: it reads the conventions of web/src/ui/.
//   node tools/custom_elements_manifest.mjs OUT.json web/src/ui/a.ts ...
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAst } from 'rolldown/parseAst';

// Lit's and the DOM's callbacks: not API a page calls.
const LIFECYCLE = new Set([
  'render',
  'update',
  'updated',
  'firstUpdated',
  'willUpdate',
  'shouldUpdate',
  'connectedCallback',
  'disconnectedCallback',
  'attributeChangedCallback',
  'createRenderRoot',
]);
// Every element resolves its data and model through assets.ts, which reads this attribute.
const ASSETS = {
  name: 'assets',
  type: { text: 'string' },
  description:
    'The folder holding data/mnist/ and models/ for this element (default: the files that come with the package).',
};

/** The doc comment (slash, two stars) right before `pos` in `text`, as plain text, or ''. */
function docBefore(text, pos) {
  const before = text.slice(0, pos).trimEnd();
  if (!before.endsWith('*/')) return '';
  const start = before.lastIndexOf('/**');
  if (start < 0) return '';
  return before
    .slice(start + 3, -2)
    .replace(/^\s*\* ?/gm, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** The file's header: its leading // lines up to the first blank line or import. */
function header(text) {
  const lines = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  return lines
    .join('\n')
    .split(/\n\s*\n/)[0]
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

function analyse(path) {
  const text = readFileSync(path, 'utf8');
  const src = (node) => text.slice(node.start, node.end);
  const ast = parseAst(text, { lang: 'ts' }, path);
  const defines = new Map(
    [...text.matchAll(/customElements\.define\('([^']+)',\s*(\w+)\)/g)].map((m) => [m[2], m[1]]),
  );
  const eventMap = /interface HTMLElementEventMap \{([^}]*)\}/.exec(text)?.[1] ?? '';
  const events = [...eventMap.matchAll(/'([^']+)':\s*([^;]+);/g)].map((m) => ({
    name: m[1],
    type: { text: m[2].trim() },
  }));
  const declarations = [];
  for (const stmt of ast.body) {
    const cls = stmt.type === 'ExportNamedDeclaration' ? stmt.declaration : stmt;
    if (cls?.type !== 'ClassDeclaration' || !defines.has(cls.id.name)) continue;
    const props = new Map();
    const members = [];
    const attributes = [];
    for (const m of cls.body.body) {
      if (m.static && m.key.name === 'properties' && m.value?.type === 'ObjectExpression') {
        for (const p of m.value.properties) {
          const opts = Object.fromEntries(
            (p.value.properties ?? []).map((o) => [
              o.key.name,
              o.value.type === 'Literal' ? o.value.value : o.value.name,
            ]),
          );
          props.set(p.key.name ?? p.key.value, opts);
        }
      }
    }
    for (const m of cls.body.body) {
      if (
        m.static ||
        m.key.type !== 'Identifier' ||
        (m.accessibility && m.accessibility !== 'public')
      )
        continue;
      const name = m.key.name;
      const description = docBefore(text, m.start);
      if (m.type === 'PropertyDefinition') {
        const opts = props.get(name);
        if (opts?.state) continue;
        const field = { kind: 'field', name, privacy: 'public' };
        // The declared type, else Lit's type option, else the type of a literal default.
        const literal =
          m.value?.type === 'Literal' && m.value.value !== null ? typeof m.value.value : undefined;
        const type = m.typeAnnotation
          ? src(m.typeAnnotation.typeAnnotation)
          : (opts?.type?.toLowerCase() ?? literal);
        if (type) field.type = { text: type };
        if (m.value && m.value.end - m.value.start <= 40) field.default = src(m.value);
        if (description) field.description = description;
        if (opts && opts.attribute !== false) {
          const attribute =
            typeof opts.attribute === 'string' ? opts.attribute : name.toLowerCase();
          field.attribute = attribute;
          if (opts.reflect) field.reflects = true;
          const attr = { name: attribute, fieldName: name };
          if (field.type) attr.type = field.type;
          if (field.default) attr.default = field.default;
          if (description) attr.description = description;
          attributes.push(attr);
        }
        members.push(field);
      } else if (
        m.type === 'MethodDefinition' &&
        m.kind === 'method' &&
        !LIFECYCLE.has(name) &&
        !name.endsWith('ForTesting')
      ) {
        const fn = m.value;
        const method = { kind: 'method', name, privacy: 'public' };
        if (description) method.description = description;
        if (fn.params.length)
          method.parameters = fn.params.map((p) => ({
            name: p.name ?? src(p),
            ...(p.typeAnnotation ? { type: { text: src(p.typeAnnotation.typeAnnotation) } } : {}),
          }));
        if (fn.returnType) method.return = { type: { text: src(fn.returnType.typeAnnotation) } };
        members.push(method);
      }
    }
    attributes.push(ASSETS);
    const declaration = {
      kind: 'class',
      name: cls.id.name,
      tagName: defines.get(cls.id.name),
      customElement: true,
      description: header(text),
    };
    if (cls.superClass) declaration.superclass = { name: src(cls.superClass), package: 'lit' };
    Object.assign(declaration, { attributes, members, events });
    declarations.push(declaration);
  }
  if (!declarations.length) throw new Error(`${path}: no class defined as a custom element`);
  return declarations;
}

const [out, ...files] = process.argv.slice(2);
if (!out || !files.length)
  throw new Error('usage: node tools/custom_elements_manifest.mjs OUT.json SOURCE.ts...');
const declarations = files.flatMap(analyse);
// The package's code is one bundle: everything is exported, and defined, by its entry.
const exports = declarations.flatMap((d) => [
  { kind: 'js', name: d.name, declaration: { name: d.name, module: 'index.js' } },
  {
    kind: 'custom-element-definition',
    name: d.tagName,
    declaration: { name: d.name, module: 'index.js' },
  },
]);
const manifest = {
  schemaVersion: '2.1.0',
  modules: [{ kind: 'javascript-module', path: 'index.js', declarations, exports }],
};
writeFileSync(out, JSON.stringify(manifest, null, 2) + '\n');
