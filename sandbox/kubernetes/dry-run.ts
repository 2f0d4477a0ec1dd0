import type { KObject, ObjectStore, Resource } from './object-store.js';
import { StatusError } from './status-error.js';

/** The options kind kube-apiserver validates the query into, per verb; named in its refusal. */
const OPTIONS_KIND: Readonly<Record<string, string>> = { POST: 'CreateOptions', PUT: 'UpdateOptions', PATCH: 'PatchOptions', DELETE: 'DeleteOptions' };

/**
 * Whether a write asks for a server-side dry run. kube-apiserver accepts only `All` (metav1.DryRunAll): any other
 * value fails the options' validation (`ValidateDryRun`, a `field.NotSupported`) as a 422 Invalid on the options
 * kind, before anything else is done. Reads ignore the parameter, as the real server does.
 */
export function isDryRun(method: string, query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  const kind = OPTIONS_KIND[method];
  if (values.length === 0 || kind === undefined) return false;
  const unsupported = values.filter((v) => v !== 'All');
  if (unsupported.length > 0) {
    const shown = `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
    const message = `Unsupported value: ${shown}: supported values: "All"`;
    throw new StatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: dryRun: ${message}`, {
      group: 'meta.k8s.io',
      kind,
      causes: [{ reason: 'FieldValueNotSupported', message, field: 'dryRun' }],
    });
  }
  return true;
}

/**
 * The store as a dry-run request sees it: reads go to the real objects; writes answer with the object as it
 * would be stored (defaults, validation and generation already applied by the handler) and keep nothing, so
 * no resourceVersion moves and no watcher hears of it. A prototype view rather than a copy: reads stay live
 * and cost nothing, and the handlers need no second code path.
 */
export function dryRunView(store: ObjectStore): ObjectStore {
  const view = Object.create(store) as ObjectStore;
  view.put = (resource: Resource, obj: KObject): KObject => {
    const existing = store.get(resource, String(obj.metadata.namespace ?? ''), String(obj.metadata.name));
    const answer = structuredClone(obj);
    // An update answers with the stored version it was checked against; a create has none yet.
    if (existing) answer.metadata.resourceVersion = existing.metadata.resourceVersion;
    else delete answer.metadata.resourceVersion;
    return answer;
  };
  view.delete = () => undefined;
  return view;
}
