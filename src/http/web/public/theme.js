/*
 * The page's theme, run before the page is drawn (a plain script in <head>, so no flash of the
 * wrong theme): the system's choice, or light or dark as the toggle set it in this browser. The
 * toggle goes system → light → dark → system.
 */
(() => {
  const KEY = 'parley.theme';
  const ORDER = ['system', 'light', 'dark'];
  const LABELS = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
  const ICONS = { system: '◐', light: '☀', dark: '☾' };
  const stored = () => {
    const value = localStorage.getItem(KEY);
    return ORDER.includes(value) ? value : 'system';
  };
  const apply = (theme) => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    const toggle = document.getElementById('theme-toggle');
    if (toggle === null) return;
    toggle.textContent = ICONS[theme];
    toggle.setAttribute('aria-label', LABELS[theme]);
    toggle.title = `${LABELS[theme]} (click to change)`;
  };
  apply(stored());
  document.addEventListener('DOMContentLoaded', () => {
    apply(stored());
    document.getElementById('theme-toggle')?.addEventListener('click', () => {
      const next = ORDER[(ORDER.indexOf(stored()) + 1) % ORDER.length];
      if (next === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
      apply(next);
    });
  });
})();
