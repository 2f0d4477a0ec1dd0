import { err, invalidArguments, str, type Handler, type MethodContext } from './method-context.js';
import type { KnownUser } from './slack-types.js';

/** users.*, usergroups.users.list and conversations.open (protocols A6). */
export const directoryMethods: Readonly<Record<string, Handler>> = {
  'users.info': (ctx, args) => {
    const user = ctx.directory.users.get(str(args.user) ?? '');
    if (!user) return err('user_not_found');
    return { ok: true, user: wireUser(ctx, user) };
  },

  'users.lookupByEmail': (ctx, args) => {
    const email = str(args.email);
    if (!email) return invalidArguments(['[ERROR] missing required field: email']);
    const user = ctx.directory.byEmail(email);
    // Slack's code really is plural here.
    if (!user) return err('users_not_found');
    return { ok: true, user: wireUser(ctx, user) };
  },

  'usergroups.users.list': (ctx, args) => {
    const id = str(args.usergroup);
    if (!id) return invalidArguments(['[ERROR] missing required field: usergroup']);
    const users = ctx.directory.usergroup(id);
    if (!users) return err('no_such_subteam');
    return { ok: true, users };
  },

  'conversations.open': (ctx, args) => {
    const channel = str(args.channel);
    if (channel !== undefined && str(args.users) === undefined) {
      return ctx.directory.isConversation(channel) ? { ok: true, channel: { id: channel } } : err('channel_not_found');
    }
    const users = (str(args.users) ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    const opened = ctx.directory.openConversation(users);
    if (!opened.ok) return err(opened.error);
    const single = users.length === 1 ? users[0] : undefined;
    return {
      ok: true,
      ...(opened.alreadyOpen ? { no_op: true, already_open: true } : {}),
      channel: { id: opened.channel, ...(single ? { is_im: true, user: single } : { is_mpim: true }) },
    };
  },
};

function wireUser(ctx: MethodContext, user: KnownUser): Record<string, unknown> {
  const realName = user.realName ?? user.name;
  return {
    id: user.id,
    team_id: ctx.teamId,
    name: user.name,
    deleted: false,
    real_name: realName,
    tz: 'Europe/London',
    is_bot: user.isBot ?? false,
    profile: { display_name: user.name, real_name: realName, ...(user.email ? { email: user.email } : {}) },
  };
}
