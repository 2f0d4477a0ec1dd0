import { entry } from './catalogue-entry.js';

/** What a person reads when a dry run cannot be asked for. */
export const DRY_RUN_REFUSALS = {
  'dry-run-needs-slack': entry({
    code: 'usage',
    text: () => 'A dry run answers in Slack, only to the person who asked, and this request came without a way to answer. Nothing was changed.',
    remedy: () => 'Type the command in Slack: `/deploy <service> <version> to <environment> --dry-run`.',
  }),
};
