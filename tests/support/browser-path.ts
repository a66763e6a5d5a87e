/**
 * Where the browser tests find Debian's Chromium: its headless shell (`apt-get install -y
 * chromium-headless-shell`), the same Blink without the desktop browser around it, which took
 * less than half the CPU of `/usr/bin/chromium` over a browser file (ADR 052). CHROMIUM_PATH
 * names another build, e.g. /usr/bin/chromium.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/lib/chromium/chromium-headless-shell";
export const CHROMIUM_PACKAGE = "chromium-headless-shell";
