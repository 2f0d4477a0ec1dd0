// The sandbox page: renders the emulators' state (a server-sent event per change) and turns typing and
// clicks into requests the sandbox signs and sends to flightdeck as Slack would. No build step.
const $ = (id) => document.getElementById(id);
let state;
let me;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const nameOf = (id) => state?.people.find((p) => p.id === id)?.realName ?? (id === 'U0BOT' ? 'flightdeck' : id);

function mrkdwn(text) {
  let html = esc(text);
  html = html.replace(/&lt;@([A-Z0-9]+)&gt;/g, (_, id) => `<b class="mention">@${esc(nameOf(id))}</b>`);
  html = html.replace(/&lt;#([A-Z0-9]+)(\|([^&]*))?&gt;/g, (_, id, __, name) => `<b>#${esc(name || state?.channel.name || id)}</b>`);
  html = html.replace(/&lt;!(here|channel|everyone)&gt;/g, '<b>@$1</b>');
  html = html.replace(/&lt;(https?:[^|&]+)\|([^&]+)&gt;/g, '<a href="$1">$2</a>');
  html = html.replace(/&lt;(https?:[^&]+)&gt;/g, '<a href="$1">$1</a>');
  html = html.replace(/```([\s\S]*?)```/g, '<pre>$1</pre>').replace(/`([^`]+)`/g, '<code>$1</code>');
  html = html.replace(/(^|\W)\*([^*\n]+)\*/g, '$1<b>$2</b>').replace(/(^|\W)_([^_\n]+)_/g, '$1<i>$2</i>').replace(/(^|\W)~([^~\n]+)~/g, '$1<s>$2</s>');
  return emoji(html).replace(/\n/g, '<br>');
}
const EMOJI = { white_check_mark: '✅', white_square: '⬜', large_blue_circle: '🔵', hourglass_flowing_sand: '⏳', x: '❌', warning: '⚠️', rotating_light: '🚨', rocket: '🚀', no_entry: '⛔', heavy_check_mark: '✔️', lock: '🔒', arrow_right: '➡️', red_circle: '🔴', large_green_circle: '🟢', white_circle: '⚪', leftwards_arrow_with_hook: '↩️', stopwatch: '⏱️', bell: '🔔', pager: '📟', rewind: '⏪', double_vertical_bar: '⏸️', no_entry_sign: '🚫', heavy_minus_sign: '➖', eyes: '👀', alarm_clock: '⏰', unlock: '🔓', information_source: 'ℹ️', arrows_counterclockwise: '🔄', arrow_forward: '▶️' };
const emoji = (html) => html.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] ?? m);
const textOf = (t) => (!t ? '' : t.type === 'mrkdwn' ? mrkdwn(t.text) : esc(t.text));

function button(el, blockId, where) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = el.text?.text ?? '';
  if (el.style) b.className = el.style;
  b.addEventListener('click', () => {
    const send = () => post('/sandbox/action', { user: me, ...where, actionId: el.action_id, blockId, value: el.value });
    if (el.confirm) confirmDialog(el.confirm, send);
    else send();
  });
  return b;
}

function confirmDialog(confirm, onConfirm) {
  const d = document.createElement('div');
  d.setAttribute('role', 'dialog');
  d.setAttribute('aria-modal', 'true');
  d.setAttribute('aria-label', confirm.title?.text ?? 'Confirm');
  d.innerHTML = `<h2>${esc(confirm.title?.text ?? 'Confirm')}</h2><p>${textOf(confirm.text)}</p>`;
  const choice = (text, className, then) => {
    const b = Object.assign(document.createElement('button'), { type: 'button', className, textContent: text });
    b.onclick = () => { d.remove(); then(); };
    return b;
  };
  const yes = choice(confirm.confirm?.text ?? 'Confirm', confirm.style ?? 'primary', onConfirm);
  d.append(yes, choice(confirm.deny?.text ?? 'Cancel', '', () => undefined));
  $('confirms').append(d);
  yes.focus();
}

// An input block as a labelled form control: a static select as a <select> of its options, anything else as a
// text field; Slack's inline error (from a response_action "errors" ack) under it, tied to it for screen readers.
function input(block, error) {
  const label = document.createElement('label');
  label.append(`${block.label?.text ?? ''} `);
  const element = block.element ?? {};
  let control;
  if (element.type === 'static_select') {
    control = document.createElement('select');
    control.innerHTML = `<option value="">${esc(element.placeholder?.text ?? 'Pick one')}</option>`
      + (element.options ?? []).map((o) => `<option value="${esc(o.value)}">${esc(o.text.text)}</option>`).join('');
  } else {
    control = document.createElement('input');
    if (element.placeholder) control.placeholder = element.placeholder.text;
  }
  control.dataset.block = block.block_id;
  control.dataset.action = element.action_id ?? '';
  label.append(control);
  const wrap = document.createElement('div');
  wrap.append(label);
  // The hint and the error describe the field without becoming part of its name.
  const describe = (text, className, id) => {
    wrap.append(Object.assign(document.createElement('div'), { id, className, textContent: text }));
    control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') ?? ''} ${id}`.trim());
  };
  if (block.hint) describe(block.hint.text, 'context', `hint-${block.block_id}`);
  if (error) {
    control.setAttribute('aria-invalid', 'true');
    describe(error, 'error', `error-${block.block_id}`);
  }
  return wrap;
}

function blocks(list, where) {
  const out = document.createElement('div');
  for (const block of list ?? []) {
    const el = document.createElement('div');
    if (block.type === 'header') el.innerHTML = `<h3>${esc(block.text.text)}</h3>`;
    else if (block.type === 'divider') el.innerHTML = '<hr>';
    else if (block.type === 'section') {
      el.innerHTML = textOf(block.text) + (block.fields ?? []).map((f) => `<div>${textOf(f)}</div>`).join('');
      if (block.accessory?.type === 'button') el.append(button(block.accessory, block.block_id, where));
    } else if (block.type === 'context') {
      el.className = 'context';
      el.innerHTML = block.elements.map((e) => (e.type === 'image' ? '' : textOf(e))).join(' · ');
    } else if (block.type === 'actions') {
      for (const e of block.elements) if (e.type === 'button') el.append(button(e, block.block_id, where));
    } else if (block.type === 'input') el.append(input(block, where.errors?.[block.block_id])); else if (block.type === 'rich_text') el.textContent = JSON.stringify(block.elements);
    out.append(el);
  }
  return out;
}

function message(m, channel) {
  const div = document.createElement('div');
  div.className = 'msg';
  div.setAttribute('role', 'article');
  div.innerHTML = `<div class="meta">${esc(nameOf(m.user))}${m.edits ? ' (edited)' : ''}</div>`;
  div.append(m.blocks?.length ? blocks(m.blocks, { channel, ts: m.ts }) : Object.assign(document.createElement('div'), { innerHTML: mrkdwn(m.text) }));
  for (const f of m.files ?? []) div.append(Object.assign(document.createElement('div'), { className: 'file', textContent: `📎 ${f.title} (${f.name})` }));
  if (m.replies?.length) {
    const t = document.createElement('div');
    t.className = 'thread';
    t.setAttribute('role', 'group');
    t.setAttribute('aria-label', 'Thread');
    for (const r of m.replies) t.append(message(r, channel));
    div.append(t);
  }
  return div;
}

// Rendered nodes by key, with the JSON they were rendered from: an unchanged message keeps its node, so a
// snapshot arriving mid-click or while a keyboard user's focus is on a button changes nothing under them.
const rendered = new Map();

function keep(key, value, make) {
  const json = JSON.stringify(value);
  const hit = rendered.get(key);
  if (hit?.json === json) return hit.node;
  const node = make();
  rendered.set(key, { json, node });
  return node;
}

function sync(parent, nodes) {
  if (nodes.length === parent.children.length && nodes.every((n, i) => parent.children[i] === n)) return;
  parent.replaceChildren(...nodes);
}

function ephemeral(e) {
  const m = message({ user: 'U0BOT', text: e.text, blocks: e.blocks }, state.channel.id);
  m.classList.add('ephemeral');
  m.querySelector('.meta').textContent = 'flightdeck · only visible to you';
  return m;
}

function cluster(c) {
  const name = `${esc(c.service)} in ${esc(c.environment)}`;
  const rows = c.deployments.map((d) => `<tr><td>${esc(d.name)}</td><td>${esc(d.image)}</td><td>${d.ready}/${d.replicas}</td></tr>`).join('');
  const traffic = c.traffic.map((t) => `${esc(t.name)} ${t.weight}`).join(', ');
  const split = c.traffic.length > 0 ? `traffic: ${traffic}` : 'no HTTPRoute: all traffic to the Service';
  return `<section aria-label="${name}"><h3>${esc(c.service)} · ${esc(c.environment)}</h3><table aria-label="${name}"><tr><th>Deployment</th><th>image</th><th>ready</th></tr>${rows}</table><p class="context">${split} · ${c.replicaSets.length} ReplicaSets</p></section>`;
}

function render() {
  const person = state.people.find((p) => p.id === me);
  $('roles').textContent = person ? `roles: ${person.roles.join(', ')}` : '';
  const channel = state.channel.messages.map((m) => keep(`c:${m.ts}`, m, () => message(m, state.channel.id)));
  const mine = state.ephemerals.filter((x) => x.user === me).map((e) => keep(`e:${e.user}:${e.ts}`, e, () => ephemeral(e)));
  sync($('messages'), [...channel, ...mine]);
  const dm = state.dms[me];
  $('dms-title').textContent = `Direct messages of ${nameOf(me)}`;
  sync($('dms'), (dm?.messages ?? []).map((m) => keep(`d:${dm.channel}:${m.ts}`, m, () => message(m, dm.channel))));
  renderViews(state.views[me] ?? []);
  const clusterHtml = state.cluster.map(cluster).join('');
  if ($('cluster').dataset.html !== clusterHtml) {
    $('cluster').innerHTML = clusterHtml;
    $('cluster').dataset.html = clusterHtml;
  }
  renderMetrics();
  $('incidents').innerHTML = state.incidents.length === 0 ? '<p>No incidents.</p>' : `<ul>${state.incidents.map((i) => `<li><b>${esc(i.status)}</b> ${esc(i.summary)}</li>`).join('')}</ul>`;
}

function renderMetrics() {
  if ($('metrics').dataset.ready) {
    for (const m of state.metrics) {
      const row = $(`m-${m.service}-${m.environment}`);
      if (row) row.querySelector('.values').textContent = `error rate ${(m.errorRate * 100).toFixed(1)}% · p95 ${m.p95.toFixed(2)} s`;
    }
    return;
  }
  $('metrics').dataset.ready = '1';
  for (const m of state.metrics) {
    const row = document.createElement('div');
    row.id = `m-${m.service}-${m.environment}`;
    row.setAttribute('role', 'group');
    row.setAttribute('aria-label', `Metrics of ${m.service} in ${m.environment}`);
    row.innerHTML = `<b>${esc(m.service)} · ${esc(m.environment)}</b> <span class="values"></span><br>`;
    const push = (label, values) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `${label} (${m.service} ${m.environment})`;
      b.onclick = () => post('/sandbox/metrics', { service: m.service, environment: m.environment, ...values });
      row.append(b);
    };
    push('Push error rate to 12%', { errorRate: 0.12 });
    push('Push p95 to 8 s', { p95: 8 });
    push('Back to healthy', { errorRate: 0.002, p95: 0.3 });
    $('metrics').append(row);
  }
  renderMetrics();
}

// A modal as a dialog; re-made only when the view changes (updated by flightdeck, errors added), so typing in
// an open form is not lost to a snapshot that changes something else.
function renderViews(views) {
  const before = [...$('dialogs').children];
  const nodes = views.map((v) => keep(`v:${me}:${v.id}`, v, () => dialog(v)));
  for (const node of nodes) {
    // A view re-made in place (inline errors added) keeps what was entered, as Slack keeps it.
    const old = before.find((b) => b !== node && b.dataset.view === node.dataset.view);
    old?.querySelectorAll('[data-block]').forEach((c) => { const n = node.querySelector(`[data-block="${CSS.escape(c.dataset.block)}"]`); if (n) n.value = c.value; });
  }
  sync($('dialogs'), nodes);
  const top = nodes.at(-1);
  if (top && !before.includes(top)) top.querySelector('select, input, button')?.focus();
}

function dialog(v) {
  const d = document.createElement('div');
  d.setAttribute('role', 'dialog');
  d.setAttribute('aria-modal', 'true');
  d.setAttribute('aria-label', v.title?.text ?? 'Dialog');
  d.dataset.view = v.id;
  d.innerHTML = `<h2>${esc(v.title?.text ?? '')}</h2>`;
  d.append(blocks(v.blocks, { channel: state.channel.id, viewId: v.id, errors: v.errors }));
  if (v.submit) {
    const submit = document.createElement('button');
    submit.type = 'button';
    submit.className = 'primary';
    submit.textContent = v.submit.text;
    submit.onclick = () => {
      const values = {};
      d.querySelectorAll('[data-block]').forEach((i) => { if (i.value !== '') values[i.dataset.block] = { [i.dataset.action]: i.value }; });
      post('/sandbox/submit', { user: me, viewId: v.id, values });
    };
    d.append(submit);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = v.close?.text ?? 'Close';
  close.onclick = () => post('/sandbox/close', { user: me, viewId: v.id });
  d.append(close);
  d.addEventListener('keydown', (e) => { if (e.key === 'Escape') close.click(); });
  return d;
}

async function post(path, body) {
  await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('message').value.trim();
  if (text) post('/sandbox/command', { user: me, text });
  $('message').value = '';
});
$('person').addEventListener('change', () => { me = $('person').value; render(); });

new EventSource('/sandbox/events').onmessage = (event) => {
  const first = !state;
  state = JSON.parse(event.data);
  if (first) {
    $('person').innerHTML = state.people.map((p) => `<option value="${p.id}">${esc(p.realName)}${p.roles.length ? ` (${esc(p.roles.join(', '))})` : ''}</option>`).join('');
    me = state.people[0].id;
    $('channel-title').textContent = `#${state.channel.name}`;
    $('message').setAttribute('aria-label', `Message #${state.channel.name}`);
    // The first service in its last environment: for the demo, the production deploy the walkthrough starts with.
    const example = state.cluster.filter((c) => c.service === state.cluster[0]?.service).at(-1);
    if (example) $('message').placeholder = `/deploy ${example.service} 1.2.0 to ${example.environment}`;
  }
  $('person').value = me;
  render();
};
