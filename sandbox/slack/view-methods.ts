import { err, invalidArguments, str, type Handler, type MethodReply } from './method-context.js';
import { wireHome } from './home-tabs.js';
import { parseView, type ParsedView } from './validate-view.js';

/** views.open, views.push, views.update (protocols A4, A6) and views.publish (the Home tab). */
export const viewMethods: Readonly<Record<string, Handler>> = {
  // The view is checked before the trigger is spent, so a bad view leaves the trigger usable
  // (UNCONFIRMED against Slack, which documents neither order).
  'views.open': (ctx, args) => {
    const view = readView(args);
    if ('error' in view) return view.error;
    if (ctx.views.externalIdTaken(view.parsed.externalId)) return err('duplicate_external_id');
    const trigger = ctx.views.exchange(str(args.trigger_id) ?? str(args.interactivity_pointer));
    if (!trigger.ok) return err(trigger.error);
    return { ok: true, view: ctx.views.wire(ctx.views.open(trigger.userId, view.parsed)) };
  },

  'views.push': (ctx, args) => {
    const view = readView(args);
    if ('error' in view) return view.error;
    if (ctx.views.externalIdTaken(view.parsed.externalId)) return err('duplicate_external_id');
    const trigger = ctx.views.exchange(str(args.trigger_id) ?? str(args.interactivity_pointer));
    if (!trigger.ok) return err(trigger.error);
    const pushed = ctx.views.push(trigger.userId, view.parsed);
    if ('error' in pushed) return err(pushed.error);
    return { ok: true, view: ctx.views.wire(pushed) };
  },

  'views.update': (ctx, args) => {
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    if (!viewId && !externalId) return invalidArguments(['[ERROR] one of view_id or external_id is required']);
    const view = readView(args);
    if ('error' in view) return view.error;
    const target = viewId ? { viewId } : { externalId: externalId ?? '' };
    const updated = ctx.views.update(target, str(args.hash), view.parsed);
    if ('error' in updated) return err(updated.error);
    return { ok: true, view: ctx.views.wire(updated) };
  },

  // Slack's order: the user, then whether the app has a Home tab, then the view (UNCONFIRMED beyond the user
  // check coming first, which Slack's reference shows as the typical error "before any validation").
  'views.publish': (ctx, args) => {
    const userId = str(args.user_id);
    if (!userId) return invalidArguments(['[ERROR] missing required field: user_id']);
    const user = ctx.directory.users.get(userId);
    if (!user || user.isBot) return invalidArguments(['invalid `user_id`']);
    if (!ctx.homeTabEnabled) return err('not_enabled');
    const view = readView(args, 'home');
    if ('error' in view) return view.error;
    const published = ctx.homes.publish(userId, view.parsed, str(args.hash));
    if ('error' in published) return err(published.error);
    return { ok: true, view: wireHome(published, { teamId: ctx.teamId, appId: ctx.appId, botId: ctx.botId }) };
  },
};

function readView(args: Record<string, unknown>, type: 'modal' | 'home' = 'modal'): { parsed: ParsedView } | { error: MethodReply } {
  const parsed = parseView(args.view, type);
  if (parsed.ok) return { parsed: parsed.view };
  if (parsed.error === 'invalid_arguments') return { error: invalidArguments(parsed.messages) };
  return { error: err(parsed.error) };
}
