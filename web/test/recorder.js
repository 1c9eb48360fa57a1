// Served only by the tests' proxy (web/test/browsers.mjs), which puts it
// first in index.html for the engines whose drivers have no init script or
// console log (WebKitWebDriver): it records what a console would show as an
// error — uncaught exceptions, unhandled rejections, CSP violations, and
// console.error/console.warn — in window.__errors.
(() => {
  const errors = (window.__errors = []);
  addEventListener('error', (e) => {
    // Script errors only: a resource that fails to load is the page's to report.
    if (e instanceof ErrorEvent) errors.push(`error: ${e.message}`);
  });
  addEventListener('unhandledrejection', (e) => errors.push(`unhandledrejection: ${e.reason?.message || e.reason}`));
  document.addEventListener('securitypolicyviolation', (e) => errors.push(`csp: ${e.violatedDirective} ${e.blockedURI}`));
  for (const k of ['error', 'warn']) {
    const f = console[k];
    console[k] = (...a) => {
      errors.push(`console.${k}: ${a.map(String).join(' ')}`);
      f.apply(console, a);
    };
  }
})();
