/** What a request asks to do, in the authorizer's terms (k8s.io/apiserver `authorizer.Attributes`). */
export interface RequestAttributes {
  verb: string;
  /** '' for the core group. */
  apiGroup: string;
  resource: string;
  subresource?: string;
  /** '' for cluster-scoped requests and requests across all namespaces. */
  namespace: string;
  /** '' when the request names no object (list, watch of a collection, create). */
  name: string;
}
