import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ModelVersionsTable } from '../../db/schema-registry.js';
import { MODEL_VERSION_STATUSES, STAGE_DELETED_INTERNAL, isModelStage } from '../../domain/registry.js';
import type { ModelVersion, ModelVersionStatus, RegisteredModel } from '../../domain/registry.js';
import type { Tag } from '../../domain/tracking.js';

export type ModelVersionRow = Selectable<ModelVersionsTable>;

/** Keeps IN lists well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 400;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function versionKey(name: string, version: number): string {
  return `${version}\u0000${name}`;
}

export function toModelVersion(r: ModelVersionRow, tags: Tag[] = [], aliases: string[] = []): ModelVersion {
  const status = (MODEL_VERSION_STATUSES as readonly string[]).includes(r.status) ? (r.status as ModelVersionStatus) : 'READY';
  return {
    name: r.name,
    version: Number(r.version),
    creationTimestamp: Number(r.creation_time),
    lastUpdatedTimestamp: Number(r.last_updated_time),
    userId: r.user_id,
    currentStage: isModelStage(r.current_stage) ? r.current_stage : 'None',
    description: r.description,
    source: r.source,
    storageLocation: r.storage_location,
    runId: r.run_id,
    runLink: r.run_link,
    status,
    statusMessage: r.status_message,
    modelId: r.model_id,
    tags,
    aliases,
  };
}

/** Model version rows → entities with their tags and aliases, in the order of `rows`. */
export async function hydrateVersions(db: Kysely<Database>, rows: readonly ModelVersionRow[]): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const tags = new Map<string, Tag[]>();
  const aliases = new Map<string, string[]>();
  const pairs = rows.map((r) => [r.name, Number(r.version)] as const);
  for (const part of chunks(pairs)) {
    // PostgreSQL types untyped VALUES parameters as text; the cast keeps the comparison integer = integer.
    const values = sql.join(part.map(([n, v]) => sql`(${n}, cast(${v} as integer))`));
    // Tags and aliases in one round trip (kind 0 = tag, 1 = alias): resolving `models:/name@alias`
    // is two queries, not three, which is most of its latency on PostgreSQL.
    const extras = await sql<{ kind: number; name: string; version: number; key: string; value: string | null }>`
      select 0 as kind, name, version, key, value from model_version_tags where (name, version) in (values ${values})
      union all
      select 1 as kind, name, version, alias as key, null as value from registered_model_aliases where (name, version) in (values ${values})
      order by kind, key`.execute(db);
    for (const e of extras.rows) {
      const k = versionKey(e.name, Number(e.version));
      if (Number(e.kind) === 0) (tags.get(k) ?? tags.set(k, []).get(k)!).push({ key: e.key, value: e.value as string });
      else (aliases.get(k) ?? aliases.set(k, []).get(k)!).push(e.key);
    }
  }
  return rows.map((r) => {
    const k = versionKey(r.name, Number(r.version));
    return toModelVersion(r, tags.get(k) ?? [], aliases.get(k) ?? []);
  });
}

/** Registered models (tags, aliases, newest version per stage) for `names`, in that order. */
export async function loadRegisteredModels(db: Kysely<Database>, names: readonly string[]): Promise<RegisteredModel[]> {
  if (names.length === 0) return [];
  const byName = new Map<string, RegisteredModel>();
  const latestRows: ModelVersionRow[] = [];
  for (const part of chunks(names)) {
    const models = await db.selectFrom('registered_models').selectAll().where('name', 'in', part).execute();
    for (const m of models) {
      byName.set(m.name, {
        name: m.name,
        creationTimestamp: Number(m.creation_time),
        lastUpdatedTimestamp: Number(m.last_updated_time),
        description: m.description,
        latestVersions: [],
        tags: [],
        aliases: [],
      });
    }
    const tags = await db.selectFrom('registered_model_tags').selectAll().where('name', 'in', part).orderBy('key').execute();
    for (const t of tags) byName.get(t.name)?.tags.push({ key: t.key, value: t.value });
    const aliases = await db.selectFrom('registered_model_aliases').selectAll().where('name', 'in', part).orderBy('alias').execute();
    for (const a of aliases) byName.get(a.name)?.aliases.push({ alias: a.alias, version: Number(a.version) });
    // MLflow's `latest_versions`: the highest version in each stage (index model_versions_stage).
    const latest = await db
      .selectFrom('model_versions as mv')
      .selectAll('mv')
      .where('mv.name', 'in', part)
      .where('mv.current_stage', '<>', STAGE_DELETED_INTERNAL)
      .where(({ eb, selectFrom }) =>
        eb(
          'mv.version',
          '=',
          selectFrom('model_versions as v2')
            .select(({ fn }) => fn.max('v2.version').as('max_version'))
            .whereRef('v2.name', '=', 'mv.name')
            .whereRef('v2.current_stage', '=', 'mv.current_stage'),
        ),
      )
      .orderBy('mv.version')
      .execute();
    latestRows.push(...latest);
  }
  for (const v of await hydrateVersions(db, latestRows)) byName.get(v.name)?.latestVersions.push(v);
  return names.map((n) => byName.get(n)).filter((m): m is RegisteredModel => m !== undefined);
}
