import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReferenceContext } from './job-parameters.js';
import { loadProject } from './project-parser.js';
import { shellQuote, shellReferenceProblems, substituteShellReferences } from './shell-references.js';

// The placements are checked against the shells that really run command strings: dash is
// Debian's /bin/sh, bash is /bin/sh elsewhere.
const SHELLS = ['/bin/sh', '/bin/bash'].filter((s) => existsSync(s));
const run = (shell: string, script: string, cwd?: string) => execFileSync(shell, ['-c', script], { encoding: 'utf8', ...(cwd ? { cwd } : {}) });

const dir = mkdtempSync(join(tmpdir(), 'modelyard-shell-references-'));
const MARKER = join(dir, 'pwned');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every shell syntax an attacker could reach for, each trying to create MARKER. */
const HOSTILE = [
  `x; touch ${MARKER}`,
  `x && touch ${MARKER}`,
  `x | touch ${MARKER}`,
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `x\ntouch ${MARKER}`,
  `it's'; touch ${MARKER}; echo '`,
  `x"; touch ${MARKER}; echo "`,
  `x > ${MARKER}`,
  `*`,
  `\\`,
  `x\\'; touch ${MARKER}; echo \\'`,
  `'`,
  `$'\\x27'; touch ${MARKER}`,
  `\${IFS}; touch ${MARKER}`,
  `# not a comment`,
  ` spaced  out `,
  ``,
  `ünïcødé — ✓`,
];

describe('shellQuote', () => {
  it.each([
    ['', "''"],
    ['abc', "'abc'"],
    ["it's", `'it'\\''s'`],
    ["''", `''\\'''\\'''`],
    ['a b', "'a b'"],
    ['$(id)', "'$(id)'"],
    ['\\', "'\\'"],
  ])('%j → %s', (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
  });

  it.each(SHELLS)('gives %s back each value as one word, byte for byte', (shell) => {
    for (const value of HOSTILE) {
      // printf prints one bracketed line per argument: more than one line means the value was split.
      expect(run(shell, `printf '[%s]\\n' ${shellQuote(value)}`, dir)).toBe(`[${value}]\n`);
    }
    expect(existsSync(MARKER)).toBe(false);
  });
});

const ctx = (who: string): ReferenceContext => ({
  parameters: { who },
  values: {
    'job.id': '7',
    'job.name': 'nightly',
    'job.run_id': '42',
    'job.repair_count': '0',
    'job.trigger.type': 'MANUAL',
    'task.name': 'greet',
    'task.execution_count': '1',
  },
});

describe('shellReferenceProblems', () => {
  // Each placement with the line it prints when the value is `V`; every hostile value must then
  // print in its place, literally, and create nothing.
  const ACCEPTED: Array<[string, (v: string) => string]> = [
    ['printf "[%s]\\n" {{job.parameters.who}}', (v) => `[${v}]\n`],
    ["printf '[%s]\\n' {{ job.parameters.who }}", (v) => `[${v}]\n`],
    ["printf '[%s]' pre{{job.parameters.who}}post; echo", (v) => `[pre${v}post]\n`],
    ["printf '[%s]' {{job.parameters.who}}{{job.parameters.who}}; echo", (v) => `[${v}${v}]\n`],
    ["printf '[%s]' \\\\{{job.parameters.who}}; echo", (v) => `[\\${v}]\n`],
    ["printf '[%s]' $$ >/dev/null; printf '[%s]' --x={{job.parameters.who}}; echo", (v) => `[--x=${v}]\n`],
    ['W={{job.parameters.who}}; printf \'[%s]\\n\' "$W"', (v) => `[${v}]\n`],
    ['cd . && printf \'[%s]\\n\' {{job.parameters.who}} | cat', (v) => `[${v}]\n`],
    ['(printf \'[%s]\\n\' {{job.parameters.who}})', (v) => `[${v}]\n`],
    ['X=$(printf \'[%s]\' {{job.parameters.who}}); printf \'%s\\n\' "$X"', (v) => `[${v}]\n`],
    ['X="$(printf "%s" "a)b")" && printf \'[%s]\\n\' {{job.parameters.who}}', (v) => `[${v}]\n`],
    ['echo "$HOME ${HOME} $((1 + 2))" >/dev/null; printf \'[%s]\\n\' {{job.parameters.who}}', (v) => `[${v}]\n`],
    ["echo 'a # b' a#b \"c'd\" >/dev/null; printf '[%s]\\n' {{job.parameters.who}}", (v) => `[${v}]\n`],
    ["# a comment with ' and \"\nprintf '[%s]\\n' {{job.parameters.who}}", (v) => `[${v}]\n`],
    ["printf '[%s]\\n' \\\n  {{job.parameters.who}}", (v) => `[${v}]\n`],
    ["printf '[%s]\\n' {{job.parameters.who}} # a comment after it", (v) => `[${v}]\n`],
    ["[ {{job.parameters.who}} = y ] || printf '[%s]\\n' [a] {{job.parameters.who}}", (v) => `[[a]]\n[${v}]\n`],
  ];

  it.each(ACCEPTED.map(([t]) => t))('accepts %j', (template) => {
    expect(shellReferenceProblems(template)).toEqual([]);
  });

  it.each(SHELLS)('every accepted placement keeps hostile values literal under %s', (shell) => {
    for (const [template, expected] of ACCEPTED) {
      for (const value of HOSTILE) {
        const r = substituteShellReferences(template, ctx(value));
        if (!('command' in r)) throw new Error(r.problem);
        expect(run(shell, r.command, dir), `${template} with ${JSON.stringify(value)}`).toBe(expected(value));
      }
    }
    expect(existsSync(MARKER)).toBe(false);
  });

  it.each([
    ['echo "{{job.parameters.who}}"', 'inside double quotes'],
    ["echo '{{job.parameters.who}}'", 'inside single quotes'],
    ['echo "a\\" {{job.parameters.who}}"', 'inside double quotes'],
    ["echo 'it'\"'\"'s {{job.parameters.who}}'", 'inside single quotes'],
    ['echo \\{{job.parameters.who}}', 'directly after a backslash'],
    ['echo ${{job.parameters.who}}', "directly after '$'"],
    ['echo "${{job.parameters.who}}"', "directly after '$'"],
    ['echo $(echo "{{job.parameters.who}}")', 'inside double quotes'],
    ['echo "$(echo {{job.parameters.who}})"', 'inside $(…) within quotes'],
    ['echo `echo {{job.parameters.who}}`', 'after a backquote'],
    ['echo `date` {{job.parameters.who}}', 'after a backquote'],
    ['cat <<EOF\n{{job.parameters.who}}\nEOF', 'after a here-document'],
    ['cat <<<{{job.parameters.who}}', 'after a here-document'],
    ['echo hi # {{job.parameters.who}}', 'in a shell comment'],
    ['echo hi;#{{job.parameters.who}}', 'in a shell comment'],
    ['echo ${X:-{{job.parameters.who}}}', 'inside ${…}'],
    ['echo ${X:-"a"} {{job.parameters.who}}', 'after quotes or escapes inside ${…}'],
    ['echo $(( {{job.parameters.who}} + 1 ))', 'inside an arithmetic expression'],
    ['(( n = {{job.parameters.who}} ))', 'inside an arithmetic expression'],
    ["echo $'a\\'' {{job.parameters.who}}", "after $'…' quoting"],
    ['echo $[1] {{job.parameters.who}}', 'after $[…]'],
    ['echo $(case a in a) echo;; esac) {{job.parameters.who}}', 'after a case statement inside $(…)'],
    ['echo $(echo # x\n) {{job.parameters.who}}', 'after a comment inside $(…)'],
    ["echo a\r#'\n{{job.parameters.who}}'", 'inside single quotes'],
    ['a[{{job.parameters.who}}]=1', 'inside [ ]'],
    ['a=([{{job.parameters.who}}]=1)', 'inside [ ]'],
    ['a[$(echo {{job.parameters.who}})]=1', 'inside [ ]'],
    ['[[ {{job.parameters.who}} -eq 1 ]]', 'after [['],
  ])('refuses %j (%s)', (template, where) => {
    const problems = shellReferenceProblems(template);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`{{job.parameters.who}} is ${where}`);
    expect(problems[0]).toContain('outside any quotes');
  });

  it('reports each misplaced reference, and only those', () => {
    expect(shellReferenceProblems('echo {{job.run_id}} "{{task.name}}" {{job.name}} \'{{job.id}}\'').map((p) => p.slice(0, p.indexOf(' is ')))).toEqual([
      '{{task.name}}',
      '{{job.id}}',
    ]);
  });
});

describe('commands that read text as shell code again', () => {
  it.each([
    'eval echo {{job.parameters.who}}',
    'let n={{job.parameters.who}}',
    'declare -i n; n={{job.parameters.who}}',
    '[ -v {{job.parameters.who}} ]',
    'test -v {{job.parameters.who}}',
    'sh -c {{job.parameters.who}}',
    'bash -lc {{job.parameters.who}}',
    '/bin/sh -c "echo" {{job.parameters.who}}',
    'printf -v {{job.parameters.who}} x',
    'read {{job.parameters.who}} < /dev/null',
    'echo {{job.parameters.who}} | xargs echo',
    'true; . {{job.parameters.who}}',
    'command eval echo {{job.parameters.who}}',
  ])('refuses every reference in %s', (command) => {
    const problems = shellReferenceProblems(command);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/hands text back to the shell/);
  });

  it('leaves ordinary commands alone, a dot as a path too', () => {
    for (const command of ['pip install . && echo {{job.parameters.who}}', 'python -m train --out ./x {{job.parameters.who}}', 'cd . && echo {{job.parameters.who}}']) {
      expect(shellReferenceProblems(command), command).toEqual([]);
    }
  });
});

describe('substituteShellReferences', () => {
  it('quotes every kind of reference, dynamic values too', () => {
    const c = { ...ctx("it's"), values: { ...ctx('').values, 'job.name': 'a; b' } };
    expect(substituteShellReferences('run {{job.parameters.who}} {{job.name}} {{job.run_id}} {{task.name}}', c)).toEqual({
      command: `run 'it'\\''s' 'a; b' '42' 'greet'`,
    });
  });

  it('refuses a reference that names nothing, rather than leaving it for the shell', () => {
    const r = substituteShellReferences('echo {{job.parameters.missing}}', ctx('x'));
    expect(r).toEqual({ problem: expect.stringContaining('{{job.parameters.missing}} names no job parameter') });
  });

  it('refuses a misplaced reference with what to write instead', () => {
    const r = substituteShellReferences('echo "{{job.parameters.who}}"', ctx('x'));
    expect(r).toEqual({ problem: expect.stringContaining('is inside double quotes in a command string') });
  });
});

describe('validate and deploy', () => {
  it('report a reference placed where quoting cannot protect it, at its line', () => {
    const loaded = loadProject(`
project: { name: p }
jobs:
  j:
    parameters: [{ name: who, default: x }]
    tasks:
      - task_key: ok
        command_task: { command: "echo hello {{job.parameters.who}}" }
      - task_key: quoted
        command_task: { command: "echo \\"{{job.parameters.who}}\\"" }
      - task_key: argv
        command_task: { command: [echo, "\\"{{job.parameters.who}}\\""], env: { W: "'{{job.parameters.who}}'" } }
`);
    expect(loaded.spec).toBeUndefined();
    expect(loaded.problems).toHaveLength(1);
    expect(loaded.problems[0]).toMatchObject({ line: 10, path: 'jobs.j.tasks[1].command_task.command' });
    expect(loaded.problems[0]!.message).toContain('{{job.parameters.who}} is inside double quotes in a command string');
  });
});
