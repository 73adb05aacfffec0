import { expect, it } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';

// What MLflow 3.x's Python client sends: it appends this clause to every search_registered_models
// (and search_model_versions) filter, so prompts stay out of model listings.
const NOT_A_PROMPT = "tags.`mlflow.prompt.is_prompt` != 'true'";

describeEachServer('registry search as the MLflow 3 client sends it (raw HTTP)', (ctx) => {
  it('finds ordinary models, which have no prompt tag, and leaves prompts out', async () => {
    for (const name of ['seed-b', 'seed-a', 'other']) await ctx.http.ok('/registered-models/create', { name });
    await ctx.http.ok('/registered-models/create', { name: 'seed-prompt', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
    await ctx.http.ok('/registered-models/create', { name: 'seed-tagged-false', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'false' }] });

    const res = await fetch(
      `${ctx.server.url}/api/2.0/mlflow/registered-models/search?` +
        new URLSearchParams([
          ['filter', `name LIKE 'seed%' AND ${NOT_A_PROMPT}`],
          ['order_by', 'name ASC'],
          ['max_results', '100'],
        ]),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { registered_models: Array<{ name: string }> };
    expect(body.registered_models.map((m) => m.name)).toEqual(['seed-a', 'seed-b', 'seed-tagged-false']);

    // The clause alone, too.
    const all = await ctx.http.okGet('/registered-models/search', { filter: NOT_A_PROMPT });
    expect((all.registered_models as Array<{ name: string }>).map((m) => m.name).sort()).toEqual(['other', 'seed-a', 'seed-b', 'seed-tagged-false']);
  });

  it('finds versions of ordinary models with the same clause', async () => {
    await ctx.http.ok('/registered-models/create', { name: 'mv-seed' });
    await ctx.http.ok('/model-versions/create', { name: 'mv-seed', source: 'mlflow-artifacts:/0/m/artifacts' });
    const found = await ctx.http.okGet('/model-versions/search', { filter: `name = 'mv-seed' AND ${NOT_A_PROMPT}` });
    expect((found.model_versions as Array<{ version: string }>).map((v) => v.version)).toEqual(['1']);
  });
});
