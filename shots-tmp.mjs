import { chromium } from "playwright-core";
const b = await chromium.launch({ executablePath: "/usr/lib/chromium/chromium-headless-shell", args: ["--no-sandbox"] });
const base = "http://127.0.0.1:4990";
const [,, path, name, width, js] = process.argv;
const c = await b.newContext({ viewport: { width: Number(width), height: 900 }, locale: "ru-RU", javaScriptEnabled: js !== "nojs" });
const p = await c.newPage();
await p.goto(base + path);
const h = await p.evaluate(() => document.documentElement.scrollHeight);
for (let y = 0, i = 0; y < h; y += 1100, i++)
  await p.screenshot({ path: `/tmp/shots/${name}-${width}-${i}.png`, fullPage: true, clip: { x: 0, y, width: Number(width), height: Math.min(1100, h - y) } });
console.log(h);
await b.close();
