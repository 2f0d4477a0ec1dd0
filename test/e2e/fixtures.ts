/** The catalog and checklist the e2e suite deploys with: one service, one environment, a short checklist. */
export const E2E_CATALOG = `
slack:
  defaultChannel: C0DEPLOY
environments:
  production:
    cluster: emulator
    checklist: release
services:
  api:
    namespace: shop
    deployment: api
    container: api
    image: registry.example.com/acme/api
    environments: [production]
`;

export const E2E_CHECKLIST = `
name: release
phases:
  - id: pre
    title: Pre-deployment
    items:
      - id: ci-green
        kind: manual
        title: CI is green for this version
      - id: notes
        kind: manual
        title: Release notes reviewed
  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
      - id: wait
        kind: step
        action: wait-rollout
        timeout: 30s
  - id: verify
    title: Verification
    items:
      - id: dashboards
        kind: manual
        title: Dashboards look healthy
`;
