// Settings, for users (meters, readings) and admins (everything), in two
// parts: Household (the home, its meters' names, tariffs and readings)
// and Technical (filters, meter units, sensor nodes' keys, users). Every
// form sends what the API takes and shows the API's message next to the
// field it names ("tariff: …" beside the tariff).
import { api, session } from './api.js';
import * as f from './format.js';
import { tariffEditor } from './tariff_editor.js';

// A form of labelled fields. `fields`: {name, label, type?, value?,
// options?, hint?}, or {name, widget(id) → {node, value()}}.
// `submit(values)` returns a text to show on success.
function form({ id, title, fields, submitLabel, submit }) {
  const inputs = new Map();
  const errors = new Map();
  const rows = fields.map((field) => {
    const inputId = `${id}-${field.name}`;
    let input;
    if (field.widget) {
      // A field of its own making (the tariff): labels its own parts.
      const widget = field.widget(inputId);
      const error = f.el('span', { class: 'error field-error', id: `${inputId}-error`, role: 'alert' });
      inputs.set(field.name, { widget, field });
      errors.set(field.name, error);
      return f.el('div', { class: 'field' }, widget.node, error);
    }
    if (field.options) {
      input = f.el('select', { id: inputId, name: field.name, multiple: field.multiple || false },
        field.options.map(([value, label]) => f.el('option', {
          value,
          selected: Array.isArray(field.value) ? field.value.includes(value) : String(field.value) === String(value),
        }, label)));
    } else if (field.type === 'checkbox') {
      input = f.el('input', { id: inputId, name: field.name, type: 'checkbox', checked: Boolean(field.value) });
    } else {
      input = f.el('input', {
        id: inputId, name: field.name, type: field.type || 'text',
        value: field.value ?? '', step: field.type === 'number' ? 'any' : null,
        autocomplete: field.type === 'password' ? 'new-password' : 'off',
      });
    }
    const error = f.el('span', { class: 'error field-error', id: `${inputId}-error`, role: 'alert' });
    input.setAttribute('aria-describedby', error.id);
    inputs.set(field.name, { input, field });
    errors.set(field.name, error);
    return f.el('div', { class: 'field' },
      f.el('label', { for: inputId }, field.label), input,
      field.hint ? f.el('small', {}, field.hint) : null, error);
  });
  const general = f.el('p', { class: 'error', role: 'alert' });
  const done = f.el('p', { class: 'done', role: 'status' });
  const button = f.el('button', { type: 'submit' }, submitLabel);
  const node = f.el('form', { class: 'settings-form', id, 'aria-label': title }, f.el('h3', {}, title), rows, button, general, done);
  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const error of errors.values()) error.textContent = '';
    general.textContent = '';
    done.textContent = '';
    const values = {};
    for (const [name, { input, widget, field }] of inputs) {
      if (widget) values[name] = widget.value();
      else if (field.type === 'checkbox') values[name] = input.checked;
      else if (field.multiple) values[name] = [...input.selectedOptions].map((o) => o.value);
      else values[name] = input.value;
    }
    button.disabled = true;
    try {
      done.textContent = (await submit(values)) || 'Saved.';
    } catch (failure) {
      // "field: why" goes beside that field; anything else under the form.
      const named = /^([a-z_]+)(\.[a-z_]+)?: /.exec(failure.message || '');
      const target = named && errors.get(named[1]);
      (target || general).textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

const number = (text) => (text === '' ? undefined : Number(text));
const KINDS = [['electricity', 'electricity'], ['gas', 'gas'], ['water', 'water'], ['heat', 'heat']];

// Sends the fields' values as a PUT of the meter; numbers as numbers.
function saveMeter(meter, fields) {
  return async (values) => {
    const body = {};
    for (const field of fields) {
      const value = values[field.name];
      body[field.name] = field.type === 'number' ? number(value) : value;
    }
    await api(`/api/meters/${meter.id}`, { method: 'PUT', body });
    return 'Saved.';
  };
}

// A meter as the household knows it: its name, where it is, its tariff,
// a reading from its register and, for gas, the calorific value.
function householdMeterCard(meter, isAdmin) {
  const fields = [
    { name: 'name', label: 'Name', value: meter.name },
    { name: 'location', label: 'Location', value: meter.location },
    { name: 'tariff', widget: (inputId) => tariffEditor(inputId, meter.tariff, meter) },
  ];
  const forms = [
    form({ id: `meter-${meter.id}`, title: 'Name and tariff', submitLabel: 'Save', fields, submit: saveMeter(meter, fields) }),
    form({
      id: `reading-${meter.id}`, title: 'Meter reading', submitLabel: 'Record',
      fields: [
        { name: 'value', label: `Register (${meter.unit})`, type: 'number' },
        { name: 'at', label: 'When (empty: now)', hint: 'e.g. 2026-12-01 08:30' },
        { name: 'replacement', label: 'The meter was replaced; the new one starts here', type: 'checkbox' },
      ],
      submit: async (values) => {
        const body = { value: number(values.value), replacement: values.replacement };
        if (values.at) body.at = values.at;
        const answer = await api(`/api/meters/${meter.id}/readings`, { method: 'POST', body });
        return `Recorded: the register now shows ${f.number(answer.register, 3)} ${meter.unit}.`;
      },
    }),
  ];
  if (isAdmin && meter.kind === 'gas') {
    forms.push(form({
      id: `calorific-${meter.id}`, title: 'Calorific value', submitLabel: 'Record',
      fields: [
        { name: 'mj_per_m3', label: 'MJ/m³ (from the gas bill)', type: 'number' },
        { name: 'from', label: 'From (empty: now)' },
        { name: 'correction', label: 'Volume correction', type: 'number', value: 1.02264 },
      ],
      submit: async (values) => {
        const body = { mj_per_m3: number(values.mj_per_m3), correction: number(values.correction) };
        if (values.from) body.from = values.from;
        await api(`/api/meters/${meter.id}/calorific`, { method: 'POST', body });
        return 'Recorded.';
      },
    }));
  }
  return f.el('section', { class: 'card wide', 'aria-label': `Meter ${meter.name}` },
    f.el('h2', {}, `${meter.name} `, f.el('small', {}, `meter ${meter.id}`)), f.el('div', { class: 'forms' }, forms));
}

// A meter's sensing: the pulse filter and power's timeout, and for an
// admin what a pulse means (kind, unit, pulses per unit).
function technicalMeterCard(meter, isAdmin) {
  const fields = [
    { name: 'min_interval_ms', label: 'Bounce filter (ms)', type: 'number', value: meter.min_interval_ms },
    { name: 'min_width_ms', label: 'Shortest pulse (ms)', type: 'number', value: meter.min_width_ms },
    { name: 'power_timeout_s', label: 'Power falls to 0 after (s)', type: 'number', value: meter.power_timeout_s },
  ];
  if (isAdmin) {
    fields.push(
      { name: 'kind', label: 'Kind', value: meter.kind, options: KINDS },
      { name: 'unit', label: 'Unit', value: meter.unit },
      { name: 'ppu', label: 'Pulses per unit', type: 'number', value: meter.ppu },
    );
  }
  return f.el('section', { class: 'card wide', 'aria-label': `Meter ${meter.name}, technical` },
    f.el('h2', {}, `${meter.name} `, f.el('small', {}, `meter ${meter.id}`)),
    form({ id: `meter-${meter.id}-technical`, title: 'Pulses and power', submitLabel: 'Save', fields, submit: saveMeter(meter, fields) }));
}

const HEATING = [['', 'not said'], ['gas', 'gas'], ['heat_pump', 'heat pump'], ['district_heat', 'district heat'],
  ['electric', 'electric'], ['oil', 'oil'], ['wood', 'wood'], ['other', 'other']];

// The home itself: people, floor area and heating (for comparisons), and
// the instance's currency and billing day, which pulsemon.toml sets.
async function homeCard() {
  const home = await api('/api/household');
  return f.el('section', { class: 'card wide', 'aria-label': 'Your household' },
    f.el('h2', {}, 'Your household'),
    f.el('div', { class: 'forms' },
      form({
        id: 'household', title: 'The home', submitLabel: 'Save',
        fields: [
          { name: 'people', label: 'People living here', type: 'number', value: home.people ?? '' },
          { name: 'floor_area_m2', label: 'Floor area (m²)', type: 'number', value: home.floor_area_m2 ?? '' },
          { name: 'heating', label: 'Heated by', value: home.heating ?? '', options: HEATING },
        ],
        submit: async (values) => {
          const orNull = (text) => (text === '' ? null : Number(text));
          await api('/api/household', {
            method: 'PUT',
            body: { people: orNull(values.people), floor_area_m2: orNull(values.floor_area_m2), heating: values.heating || null },
          });
          return 'Saved: comparisons per person and per m² use these.';
        },
      }),
      f.el('div', { class: 'settings-form' },
        f.el('h3', {}, 'Money'),
        f.el('dl', {},
          f.el('dt', {}, 'Currency'), f.el('dd', { 'data-testid': 'currency' }, home.currency),
          f.el('dt', {}, 'Billing period starts on day'), f.el('dd', { 'data-testid': 'billing-day' }, String(home.billing_day))),
        f.el('small', {}, 'Both are set in pulsemon.toml ([money] currency, [time] billing_day) and apply after a restart.'))));
}

async function keysCard(meters) {
  const keys = await api('/api/keys');
  const shown = f.el('div', { class: 'new-key', role: 'status', id: 'new-key' });
  const list = f.el('ul', { class: 'plain' }, keys.map((key) => f.el('li', {},
    `${key.id}: ${key.name || '(no name)'}, meters ${key.meters.join(', ')}, `,
    key.revoked ? `revoked ${f.time(key.revoked)}` : f.el('button', {
      type: 'button', class: 'secondary', onclick: async (event) => {
        await api(`/api/keys/${key.id}`, { method: 'DELETE' });
        event.target.replaceWith('revoked');
      },
    }, 'Revoke'))));
  return f.el('section', { class: 'card wide', 'aria-label': 'Device keys' },
    f.el('h2', {}, 'Device keys for sensor nodes'), list, shown,
    form({
      id: 'key-add', title: 'New device key', submitLabel: 'Create',
      fields: [
        { name: 'name', label: 'For (the node\'s name)' },
        { name: 'meters', label: 'Meters it may write', multiple: true, value: [String(meters[0]?.id)], options: meters.map((m) => [String(m.id), m.name]) },
      ],
      submit: async (values) => {
        const answer = await api('/api/keys', { method: 'POST', body: { name: values.name, meters: values.meters.map(Number) } });
        shown.replaceChildren(
          f.el('strong', {}, 'The new key, shown this once: put it in the node\'s config_local.h'),
          f.el('code', { 'data-testid': 'new-key' }, answer.key));
        return `Key ${answer.id} created.`;
      },
    }));
}

async function usersCard(me) {
  const users = await api('/api/users');
  return f.el('section', { class: 'card wide', 'aria-label': 'Users' },
    f.el('h2', {}, 'Users'),
    f.el('ul', { class: 'plain', 'data-testid': 'users' }, users.map((user) => f.el('li', {},
      `${user.name} (${user.role}) `,
      user.name === me ? null : f.el('button', {
        type: 'button', class: 'secondary', onclick: async (event) => {
          await api(`/api/users/${encodeURIComponent(user.name)}`, { method: 'DELETE' });
          event.target.closest('li').remove();
        },
      }, 'Delete')))),
    f.el('div', { class: 'forms' },
      form({
        id: 'user-add', title: 'New user', submitLabel: 'Add',
        fields: [
          { name: 'username', label: 'Name' },
          { name: 'password', label: 'Password (8 characters or more)', type: 'password' },
          { name: 'role', label: 'Role', value: 'viewer', options: [['viewer', 'viewer: sees everything, changes nothing'], ['user', 'user: also meter settings and readings'], ['admin', 'admin: everything']] },
        ],
        submit: async (values) => {
          await api('/api/users', { method: 'POST', body: values });
          return `Added ${values.username}.`;
        },
      }),
      form({
        id: 'user-password', title: 'Set a password', submitLabel: 'Set',
        fields: [
          { name: 'name', label: 'User', value: me, options: users.map((u) => [u.name, u.name]) },
          { name: 'password', label: 'New password', type: 'password' },
        ],
        submit: async (values) => {
          await api(`/api/users/${encodeURIComponent(values.name)}`, { method: 'PUT', body: { password: values.password } });
          return 'Set; that user\'s earlier sign-ins have ended.';
        },
      })));
}

// The part shown: #/settings (Household) or #/settings?part=technical.
function partAsked() {
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  return query.get('part') === 'technical' ? 'technical' : 'household';
}

export async function renderSettings(root) {
  const current = session();
  if (!current || current.role === 'viewer') {
    root.append(f.el('p', { class: 'card' }, 'Settings are for users and admins.'));
    return () => {};
  }
  const isAdmin = current.role === 'admin';
  const part = partAsked();
  root.append(f.el('nav', { class: 'parts', 'aria-label': 'Settings parts' },
    [['household', 'Household', '#/settings'], ['technical', 'Technical', '#/settings?part=technical']]
      .map(([name, label, href]) => f.el('a', { href, 'aria-current': name === part ? 'page' : 'false', 'data-testid': `settings-${name}` }, label))));
  const meters = await api('/api/meters');
  if (part === 'household') {
    root.append(await homeCard());
    for (const meter of meters) root.append(householdMeterCard(meter, isAdmin));
    return () => {};
  }
  for (const meter of meters) root.append(technicalMeterCard(meter, isAdmin));
  if (isAdmin) {
    root.append(f.el('section', { class: 'card wide', 'aria-label': 'New meter' }, form({
      id: 'meter-add', title: 'New meter', submitLabel: 'Add',
      fields: [
        { name: 'id', label: 'Id (a whole number)', type: 'number' },
        { name: 'name', label: 'Name' },
        { name: 'kind', label: 'Kind', value: 'electricity', options: KINDS },
        { name: 'ppu', label: 'Pulses per unit (as printed on the meter)', type: 'number', value: 1000 },
      ],
      submit: async (values) => {
        await api('/api/meters', { method: 'POST', body: { id: number(values.id), name: values.name, kind: values.kind, ppu: number(values.ppu) } });
        return `Added ${values.name}.`;
      },
    })));
    root.append(await keysCard(meters));
    root.append(await usersCard(current.user));
  }
  return () => {};
}
