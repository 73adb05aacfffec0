import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { parseStoreUri } from '../db/store-uri.js';
import { addStoreOptions, flagsToConfig } from './store-options.js';
import type { ServerFlags } from './store-options.js';

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('database operations');
  const upgrade = db.command('upgrade').description('apply pending schema migrations to the backend store');
  addStoreOptions(upgrade);
  upgrade.action(async (flags: ServerFlags) => {
    const config = loadConfig({ flags: flagsToConfig(flags), configFile: flags.config });
    const [{ connect }, { migrateToLatest }] = await Promise.all([import('../db/connect.js'), import('../db/migrate.js')]);
    const conn = connect(parseStoreUri(config.backendStoreUri));
    try {
      const { applied } = await migrateToLatest(conn.db, conn.caps);
      process.stdout.write(
        applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n',
      );
    } finally {
      await conn.close();
    }
  });
}
