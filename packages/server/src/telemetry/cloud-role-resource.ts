import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * The process's resource with `service.name` set to a cloud role, which Application Insights
 * shows as `cloud_RoleName`. One provider serves every job of a server, so the role is decided
 * per span or record on the way out; the few resources that makes are kept, not rebuilt each time.
 */
export class CloudRoleResources {
  private readonly byRole = new WeakMap<Resource, Map<string, Resource>>();

  /** At most this many roles per resource are kept (job names are few; this only bounds a surprise). */
  private static readonly MAX_ROLES = 1000;

  of(resource: Resource, role: string | undefined): Resource {
    if (!role || resource.attributes[ATTR_SERVICE_NAME] === role) return resource;
    let roles = this.byRole.get(resource);
    if (!roles) this.byRole.set(resource, (roles = new Map()));
    let found = roles.get(role);
    if (!found) {
      found = resourceFromAttributes({ ...resource.attributes, [ATTR_SERVICE_NAME]: role });
      if (roles.size >= CloudRoleResources.MAX_ROLES) roles.clear();
      roles.set(role, found);
    }
    return found;
  }
}
