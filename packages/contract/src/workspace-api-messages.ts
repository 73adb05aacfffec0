import { z } from 'zod';
import { bool } from './message.js';

/**
 * The Databricks Workspace API (`/api/2.0/workspace/...`) as far as Modelyard serves it: enough
 * for a Databricks client to ship code (mkdirs, import, get-status, list, delete). Field names
 * and required-ness follow the Databricks SDK's model (`@databricks/sdk-experimental`,
 * apis/workspace/model.d.ts).
 */
const workspacePath = () => z.string().min(1).max(1024);

export const WORKSPACE_IMPORT_FORMATS = ['AUTO', 'DBC', 'HTML', 'JUPYTER', 'RAW', 'R_MARKDOWN', 'SOURCE'] as const;
export const WORKSPACE_LANGUAGES = ['PYTHON', 'R', 'SCALA', 'SQL'] as const;

export const WorkspaceMkdirs = z.object({ path: workspacePath() }).strict();

export const WorkspaceImport = z
  .object({
    path: workspacePath(),
    /** Base64; 10 MB decoded at most. */
    content: z.string().max(14 * 1024 * 1024).optional(),
    format: z.enum(WORKSPACE_IMPORT_FORMATS).optional(),
    language: z.enum(WORKSPACE_LANGUAGES).optional(),
    overwrite: bool().optional(),
  })
  .strict();

export const WorkspaceGetStatus = z.object({ path: workspacePath() }).strict();
export const WorkspaceList = z.object({ path: workspacePath(), notebooks_modified_after: z.coerce.number().int().optional() }).strict();
export const WorkspaceDelete = z.object({ path: workspacePath(), recursive: bool().optional() }).strict();

export interface WorkspaceObjectJson {
  path: string;
  object_type: 'DIRECTORY' | 'FILE';
  object_id: number;
  size?: number;
  created_at?: number;
  modified_at?: number;
}
