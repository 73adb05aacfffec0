import { checkReferences, findReferences, referenceValue } from './job-parameters.js';
import type { ReferenceContext } from './job-parameters.js';

/**
 * `{{…}}` references in a command string, which `/bin/sh -c` runs. A value is user input (a
 * `job_parameters` override of run-now, a job name), so it must reach the command as data, never
 * as shell syntax: each value is substituted as ONE single-quoted word, in which the shell gives
 * no character a meaning.
 *
 * Single quotes protect a value only where the shell reads them as quotes: in plain command text
 * (also inside `$(…)`, which the shell parses as a command of its own). Inside '…' or "…" the
 * quotes of the value would end or be literal and `$(…)` in the value would run; after `\` or `$`
 * they would be escaped or read as `$'…'`; in a comment a newline in the value ends the comment;
 * in an `a[…]=` subscript or a `[[ … -eq … ]]` operand bash evaluates the unquoted text as
 * arithmetic, which runs `$(…)` (tried: `a['a[$(touch x)]']=1` creates x). So a reference must
 * stand in plain command text, and anything else is refused: by `validate` and deploy
 * (task-parser.ts), and again when an attempt is built, for definitions that did not go through the
 * parser. The scan below follows POSIX sh token rules, checked against dash and bash; where it
 * cannot be sure it follows the shell (backquotes, here-documents, `[[`, `$'…'`, `case` inside
 * `$(…)`), it refuses every later reference rather than guess.
 */

/** `it's` → `'it'\''s'`: POSIX single quotes, the one quoting in which no character is special. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

type FrameKind = 'top' | 'cmd' | 'sq' | 'dq' | 'comment' | 'param' | 'arith';
interface Frame {
  kind: FrameKind;
  /** Open parentheses of a `$(…)` or `$((…))`. */
  depth: number;
  /** In plain command text: the current word has an unclosed `[` (bash evaluates `a[…]=` subscripts as arithmetic). */
  bracket?: boolean;
}

const WHERE: Record<Exclude<FrameKind, 'top' | 'cmd'>, string> = {
  sq: 'inside single quotes',
  dq: 'inside double quotes',
  comment: 'in a shell comment',
  param: 'inside ${…}',
  arith: 'inside an arithmetic expression',
};

const HINT =
  'Modelyard substitutes each value as one single-quoted shell word, so write the reference in plain command text, outside any quotes (e.g. echo {{job.parameters.name}}), ' +
  'or use a command list (its arguments get the raw value), or set an env: variable to the reference and read it as "$NAME"';

/** Why each reference of `command` (a string command) cannot be substituted safely; empty when all can. */
export function shellReferenceProblems(command: string): string[] {
  return unsafeShellReferences(command).map(({ ref, where }) => `{{${ref}}} is ${where} in a command string, where quoting cannot keep its value from being read as shell syntax: ${HINT}`);
}

/**
 * Each reference of `command` that stands where a single-quoted word would not stay one word of
 * data, and where (e.g. 'inside double quotes'). Also used for the `{param}` placeholders of an
 * MLproject command (domain/projects/entry-point-command.ts).
 */
export function unsafeShellReferences(command: string): Array<{ ref: string; where: string }> {
  const refs = findReferences(command);
  if (refs.length === 0) return [];
  const rereader = textRereadingCommand(command);
  if (rereader) return refs.map((r) => ({ ref: r.ref, where: `in a command that hands text back to the shell (${rereader})` }));
  const problems: Array<{ ref: string; where: string }> = [];
  const refuse = (ref: string, where: string) => problems.push({ ref, where });
  const stack: Frame[] = [{ kind: 'top', depth: 0 }];
  /** Set once the scan can no longer tell how the shell reads what follows. */
  let unsure: string | undefined;
  /** At the start of a token, where `#` begins a comment. */
  let wordStart = true;
  let next = 0;
  const refAt = (i: number) => (refs[next]?.start === i ? refs[next] : undefined);
  const n = command.length;
  let i = 0;
  while (i < n && next < refs.length) {
    // Every step below stops at a reference's first character, so this never fires; it is here so
    // that a mistake in them refuses a reference instead of letting it through unchecked.
    while (next < refs.length && refs[next]!.start < i) refuse(refs[next++]!.ref, 'in a place this check cannot follow');
    const frame = stack[stack.length - 1]!;
    const ref = refAt(i);
    if (ref) {
      next++;
      i = ref.end;
      if (unsure) refuse(ref.ref, `after ${unsure}`);
      else if (frame.kind !== 'top' && frame.kind !== 'cmd') refuse(ref.ref, WHERE[frame.kind]);
      else if (stack.some((f) => f.kind !== 'top' && f.kind !== 'cmd')) refuse(ref.ref, 'inside $(…) within quotes');
      else if (stack.some((f) => f.bracket)) refuse(ref.ref, 'inside [ ] (bash evaluates an array subscript as arithmetic, running $(…) in it)');
      // Opaque: once substituted it is a complete quoted word, whatever the reference's text holds.
      wordStart = false;
      continue;
    }
    // A reference right after an escaping or expanding character: `\'v'`, `$'v'`.
    const escapedRef = (after: string) => {
      const r = refAt(i + 1);
      if (!r) return false;
      next++;
      refuse(r.ref, `directly after ${after}`);
      i = r.end;
      wordStart = false;
      return true;
    };
    const c = command[i]!;
    const c1 = command[i + 1];
    if (unsure) {
      // Only references matter from here on, and they are all refused.
      i++;
      continue;
    }
    switch (frame.kind) {
      case 'sq':
        if (c === "'") stack.pop();
        i++;
        continue;
      case 'comment':
        if (c === '\n') {
          stack.pop();
          wordStart = true;
        }
        i++;
        continue;
      case 'param':
      case 'arith':
        if (c === '$' && (c1 === '(' || c1 === '{' || c1 === "'" || c1 === '"' || c1 === '[')) unsure = `a nested expansion inside ${frame.kind === 'param' ? '${…}' : 'an arithmetic expression'}`;
        else if (c === "'" || c === '"' || c === '`' || c === '\\') unsure = `quotes or escapes inside ${frame.kind === 'param' ? '${…}' : 'an arithmetic expression'}`;
        // Shells differ on whether braces nest inside ${…}.
        else if (frame.kind === 'param' && c === '{') unsure = "'{' inside ${…}";
        else if (frame.kind === 'param' && c === '}') stack.pop();
        else if (frame.kind === 'arith' && c === '(') frame.depth++;
        else if (frame.kind === 'arith' && c === ')' && --frame.depth === 0) stack.pop();
        i++;
        wordStart = false;
        continue;
      case 'dq':
        if (c === '\\') {
          if (!escapedRef('a backslash')) i += 2;
          continue;
        }
        if (c === '"') stack.pop();
        else if (c === '`') unsure = 'a backquote (`…`; use $(…) instead)';
        else if (c === '$') {
          if (escapedRef("'$'")) continue;
          if (expansion()) continue;
        }
        i++;
        wordStart = false;
        continue;
      case 'top':
      case 'cmd': {
        if (c === '\\') {
          if (escapedRef('a backslash')) continue;
          // A line continuation joins the lines: the token state carries on.
          if (c1 !== '\n') wordStart = false;
          i += 2;
          continue;
        }
        if (c === "'") stack.push({ kind: 'sq', depth: 0 });
        else if (c === '"') stack.push({ kind: 'dq', depth: 0 });
        else if (c === '`') unsure = 'a backquote (`…`; use $(…) instead)';
        else if (c === '#' && wordStart) {
          // Old shells end $(…) at a ')' inside a comment; which one runs is not known here.
          if (frame.kind === 'cmd') unsure = 'a comment inside $(…)';
          else stack.push({ kind: 'comment', depth: 0 });
        } else if (c === '$') {
          if (escapedRef("'$'")) continue;
          if (c1 === "'") unsure = "$'…' quoting (read differently by bash and dash)";
          else if (c1 === '[') unsure = '$[…]';
          else if (expansion()) continue;
        } else if (c === '(' && c1 === '(') {
          // bash's `((…))` arithmetic command (two subshells in dash): refused inside either way.
          stack.push({ kind: 'arith', depth: 2 });
          i += 2;
          wordStart = false;
          continue;
        } else if (c === '(') {
          if (frame.kind === 'cmd') frame.depth++;
          i++;
          wordStart = true;
          frame.bracket = false;
          continue;
        } else if (c === ')') {
          // `case` patterns hold unbalanced ')', which is why a `case` inside $(…) ends the scan.
          if (frame.kind === 'cmd' && --frame.depth === 0) {
            stack.pop();
            wordStart = false;
          } else {
            wordStart = true;
            frame.bracket = false;
          }
          i++;
          continue;
        } else if (c === '<' && c1 === '<') unsure = 'a here-document (<<)';
        else if (c === '[' && c1 === '[' && wordStart) unsure = '[[ (bash evaluates the operands of [[ … -eq … ]] as arithmetic)';
        else if (c === '[') frame.bracket = true;
        else if (c === ']') frame.bracket = false;
        else if (frame.kind === 'cmd' && wordStart && /^case\s/.test(command.slice(i, i + 5))) unsure = 'a case statement inside $(…)';
        // Only blanks, newlines and operators end a word: not \r or other Unicode spaces, which
        // the shell keeps inside the word (a '#' after them starts no comment).
        if (stack[stack.length - 1] === frame) wordStart = /[ \t\n;&|<>]/.test(c);
        else wordStart = false;
        if (wordStart) frame.bracket = false;
        i++;
        continue;
      }
    }
  }
  return problems;

  /** `$(`, `$((`, `${` at `i`: pushes the frame and moves past the opener. */
  function expansion(): boolean {
    const c1 = command[i + 1];
    if (c1 === '(' && command[i + 2] === '(') {
      stack.push({ kind: 'arith', depth: 2 });
      i += 3;
    } else if (c1 === '(') {
      stack.push({ kind: 'cmd', depth: 1 });
      i += 2;
      wordStart = true;
      return true;
    } else if (c1 === '{') {
      stack.push({ kind: 'param', depth: 0 });
      i += 2;
    } else return false;
    wordStart = false;
    return true;
  }
}

// Builtins (and shells run with -c) that read their arguments as shell code or arithmetic again,
// so a value quoted as one word for the first reading is parsed a second time: `eval echo 'x; id'`
// runs id, and bash evaluates `let 'a[$(id)]'`, `declare -i n='…'`, `[ -v 'a[$(id)]' ]`,
// `printf -v 'a[$(id)]'` and `read 'a[$(id)]'` as arithmetic. Where such a word stands anywhere in
// the command, no reference is substituted at all: the scan below follows quoting, not which
// command an argument goes to, and refusing is the safe side (an env: variable read as "$NAME"
// in the script, or a command list, still passes the value).
const REREADING_BUILTINS = new Set(['eval', 'let', 'declare', 'typeset', 'local', 'readonly', 'export', 'source', 'trap', 'alias', 'builtin', 'command', 'read', 'mapfile', 'readarray', 'unset']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'busybox']);

/** The word that makes `command` read text as shell code again, if any (a crude word split: it may refuse more than it must). */
function textRereadingCommand(command: string): string | undefined {
  // `.` sources a file only in command position (elsewhere it is a path: `pip install .`).
  if (/(^|[;&|(\n])\s*\.\s/.test(command)) return "'.'";
  const words = command.split(/[\s;&|()`{}<>]+/).map((w) => w.replace(/^['"]+|['"]+$/g, '').replace(/^.*\//, '')).filter((w) => w !== '');
  for (const [k, w] of words.entries()) {
    if (REREADING_BUILTINS.has(w)) return `'${w}'`;
    if (w === 'printf' && words[k + 1] === '-v') return "'printf -v'";
    if ((w === 'test' || w === '[') && words.slice(k + 1).includes('-v')) return `'${w} -v'`;
    if (SHELLS.has(w) && words.slice(k + 1).some((x) => /^-[a-z]*c[a-z]*$/.test(x))) return `'${w} -c'`;
    if (w === 'xargs') return "'xargs'";
  }
  return undefined;
}

/**
 * A command string with each reference replaced by its shell-quoted value, or why it cannot be
 * (the first reference placed where quoting cannot protect it, or naming nothing).
 */
export function substituteShellReferences(command: string, ctx: ReferenceContext): { command: string } | { problem: string } {
  const problems = [...checkReferences(command, new Set(Object.keys(ctx.parameters))), ...shellReferenceProblems(command)];
  if (problems.length > 0) return { problem: problems[0]! };
  let out = '';
  let from = 0;
  for (const r of findReferences(command)) {
    out += command.slice(from, r.start) + shellQuote(referenceValue(r.ref, ctx)!);
    from = r.end;
  }
  return { command: out + command.slice(from) };
}
