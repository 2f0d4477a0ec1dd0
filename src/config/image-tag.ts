/** OCI image tag grammar: what `docker tag` and registries accept. A version is checked against it wherever it is entered. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
