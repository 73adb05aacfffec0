/** Where a value sits in `modelyard.yaml`: a readable path (`jobs.train.tasks[1].task_key`) and its line. */
export interface SourceLocation {
  path: string;
  /** 1-based; 0 when the value does not come from a file (e.g. a default). */
  line: number;
  column: number;
}

/** One thing wrong with a project file. Validation collects all of them before anything runs. */
export interface ProjectProblem extends SourceLocation {
  message: string;
}

/** Collects problems; validators keep going after the first one so the user sees every mistake at once. */
export class ProblemList {
  private readonly items: ProjectProblem[] = [];
  private readonly seen = new Set<string>();

  add(at: SourceLocation, message: string): void {
    // The same node is validated once per target it appears in; report it once.
    const id = `${at.line}:${at.column}:${at.path}:${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.items.push({ path: at.path, line: at.line, column: at.column, message });
  }

  get size(): number {
    return this.items.length;
  }

  list(): ProjectProblem[] {
    return [...this.items].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
  }
}

/** `modelyard.yaml:12:5 jobs.train.tasks[0].task_key: must be …` — the line a user can jump to. */
export function formatProblem(file: string, p: ProjectProblem): string {
  const where = p.line > 0 ? `${file}:${p.line}:${p.column}` : file;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where} ${p.message}`;
}

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safe = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  if (!parent) return safe;
  return /^[A-Za-z_]/.test(safe) ? `${parent}.${safe}` : `${parent}[${safe}]`;
}
