// Sign-in: a pulsemon user (pulsemon user add / init's admin).
import { signIn } from './api.js';
import { el } from './format.js';

export function renderSignIn(root, { message, onSignedIn }) {
  const error = el('p', { class: 'error', role: 'alert', id: 'sign-in-error' }, message || '');
  const username = el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, value: 'admin' });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = el('button', { type: 'submit' }, 'Sign in');
  const form = el(
    'form',
    { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    el('h1', { id: 'sign-in-title' }, 'Sign in'),
    el('label', { for: 'username' }, 'User'),
    username,
    el('label', { for: 'password' }, 'Password'),
    password,
    button,
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = '';
    try {
      await signIn(username.value, password.value);
      onSignedIn();
    } catch (failure) {
      // The login answers 401 the way the old service did ("Unknown USER, bye").
      error.textContent = failure.status === 401 ? 'The user name or the password is wrong.' : failure.message;
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(form);
  password.focus();
}
