// The board in a browser: Debian's Chromium driven by puppeteer-core.
// Run by tests/integration/test_board_browser.c, which starts the database, an engine, a crisis and
// `tocsin serve`, and passes: BOARD_URL, BOARD_ROLE, BOARD_PASSWORD, BOARD_CRISIS, TOCSIN_BIN, TOCSIN_DB,
// TOCSIN_ARTIFACTS (where screenshots go). Exits non-zero, saying why, when the page does not behave.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import puppeteer from "puppeteer-core";

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const url = env("BOARD_URL"), role = env("BOARD_ROLE"), password = env("BOARD_PASSWORD");
const crisis = env("BOARD_CRISIS"), artifacts = env("TOCSIN_ARTIFACTS");
mkdirSync(artifacts, { recursive: true });

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = false;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 1000 });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  // Expected answers (401 before signing in) are logged by Chromium as failed loads; scripts' errors are not.
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text()); });
  page.on("dialog", (d) => { problems.push("a dialog: " + d.message()); d.dismiss(); });

  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("#signin:not([hidden])");

  // A wrong password is refused, and said so.
  await page.type("#signin-role", role);
  await page.type("#signin-password", "not the password");
  await page.click("#signin-submit");
  await page.waitForSelector("#signin-error:not([hidden])");
  const said = await page.$eval("#signin-error", (e) => e.textContent);
  if (!said.includes("Wrong role or password")) throw new Error(`a wrong password said: ${said}`);
  if (await page.$(`article[data-crisis="${crisis}"]`)) throw new Error("the crisis shows without signing in");

  // The right one: the crisis, its exercise banner, its open approval.
  await page.$eval("#signin-role", (e) => { e.value = ""; });
  await page.type("#signin-role", role);
  await page.type("#signin-password", password);
  await page.click("#signin-submit");
  const card = `article[data-crisis="${crisis}"]`;
  await page.waitForSelector(card, { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector("#live.on") !== null, { timeout: 10000 });
  const text = await page.$eval(card, (e) => e.innerText);
  for (const want of ["EXERCISE", "SEVERE", "0 approve", "council/KZ \u2014 waiting", "left"])
    if (!text.includes(want)) throw new Error(`the crisis card lacks "${want}":\n${text}`);
  const cookie = (await page.cookies()).find((c) => c.name === "tocsin_session");
  if (!cookie || !cookie.httpOnly || cookie.sameSite !== "Strict") throw new Error("the session cookie is not HttpOnly and SameSite=Strict");
  await page.screenshot({ path: `${artifacts}/board-before-vote.png`, fullPage: true });

  // A vote cast with the CLI shows within a second, without a reload.
  await page.evaluate(() => { window.__notReloaded = true; });
  execFileSync(env("TOCSIN_BIN"), ["--as", role, "vote", crisis, "approve", "--state", "consensus", "--party", "KZ",
                                   "--reason", "border units ready", "--wait", "10"], { stdio: ["ignore", "ignore", "inherit"] });
  const applied = Date.now();
  await page.waitForFunction((sel) => {
    const e = document.querySelector(sel);
    return e && e.innerText.includes("1 approve") && e.innerText.includes("border units ready");
  }, { timeout: 1000, polling: 20 }, card).catch(() => { throw new Error("the vote did not show within a second"); });
  const shown = Date.now() - applied;
  if (!(await page.evaluate(() => window.__notReloaded === true))) throw new Error("the page was reloaded");
  await page.screenshot({ path: `${artifacts}/board.png`, fullPage: true });
  if (problems.length) throw new Error("the page reported: " + problems.join("; "));
  console.log(`board: the vote showed ${shown} ms after the CLI returned`);

  // Signing out forgets the session.
  await page.click("#signout");
  await page.waitForSelector("#signin:not([hidden])");
  const status = await page.evaluate(async () => (await fetch("/api/crises", { headers: { "X-Tocsin-Page": "1" } })).status);
  if (status !== 401) throw new Error(`after signing out /api/crises is ${status}`);
} catch (e) {
  failed = true;
  console.error("board browser test: " + e.message);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
