// The portal in Chromium on the demo data: every page template passes axe-core (no serious or
// critical WCAG 2.1 A/AA violation) and is screenshotted; search, facets, chart and map work
// as a visitor uses them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { assertAccessible, launch, open, screenshot } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const MENUS = "/datasets/albi-menus-cantines-2026-11";
const EQUIPEMENTS = "/datasets/montpellier-equipements-publics";

// One entry per page template (and the variants that change what a template shows).
const PAGES = [
  ["accueil", "/"],
  ["recherche", "/datasets?q=cantine"],
  ["recherche-vide", "/datasets?q=zzzzzz"],
  ["jeu-menus", MENUS],
  ["jeu-graphique", `${EQUIPEMENTS}?groupe=EQUIP_TYPE&calcul=count&type=barres`],
  ["jeu-carte", EQUIPEMENTS],
  ["jeu-non-conforme", "/datasets/marvejols-menus-cantines-2026-11"],
  ["organisations", "/organisations"],
  ["organisation", "/organisations/218100048"],
  ["schemas", "/schemas"],
  ["schema", "/schemas/scdl-menus-collectifs"],
  ["integration-tableau", `/embed/datasets/${MENUS.split("/").pop()}/table`],
  ["integration-graphique", `/embed/datasets/${EQUIPEMENTS.split("/").pop()}/chart?groupe=EQUIP_TYPE`],
];

for (const [name, path] of PAGES) {
  test(`page ${name} (${path}) : accessible`, async () => {
    const page = await open(browser, path);
    assert.ok((await page.title()).length > 0, "a title");
    assert.equal(await page.getAttribute("html", "lang"), "fr");
    await screenshot(page, name);
    await assertAccessible(page, name);
    await page.close();
  });
}

test("page introuvable : 404 en français, accessible", async () => {
  const page = await open(browser, "/nulle-part", { status: 404 });
  assert.match(await page.textContent("main"), /introuvable/i);
  await screenshot(page, "erreur-404");
  await assertAccessible(page, "404");
  await page.close();
});

test("le clavier atteint d'abord le lien d'évitement vers le contenu", async () => {
  const page = await open(browser, "/");
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(focused, "Aller au contenu");
  await page.keyboard.press("Enter");
  assert.match(page.url(), /#contenu$/);
  await page.close();
});

test("recherche depuis l'en-tête puis filtre par facette", async () => {
  const page = await open(browser, "/");
  await page.fill("#recherche-en-tete", "cantine");
  await page.press("#recherche-en-tete", "Enter");
  await page.waitForURL(/\/datasets\?q=cantine/);
  const titles = await page.locator("main h2, main h3").allTextContents();
  assert.ok(titles.some((t) => /Menus des cantines/.test(t)), `menus found: ${titles}`);
  // Narrow to one organisation through its facet, as a visitor would.
  const facet = page.locator("#facette-organisation");
  const options = await facet.locator("option").allTextContents();
  const albi = options.find((o) => /Albi/.test(o));
  assert.ok(albi, `an Albi option among ${options}`);
  await facet.selectOption({ label: albi });
  await Promise.all([page.waitForURL(/organisation=/), page.locator("#facettes button, #facettes [type=submit]").first().click()]);
  const filtered = await page.locator("main h2, main h3").allTextContents();
  assert.ok(filtered.some((t) => /Albi/.test(t)), `Albi's datasets: ${filtered}`);
  assert.ok(!filtered.some((t) => /Montpellier/.test(t)), `no Montpellier dataset: ${filtered}`);
  await page.close();
});

test("le graphique se dessine et se lit aussi en tableau", async () => {
  const page = await open(browser, `${EQUIPEMENTS}?groupe=EQUIP_TYPE&calcul=count&type=barres`);
  const bars = await page.locator("#graphique svg rect, #figure-graphique svg rect").count();
  assert.ok(bars > 1, `bars drawn: ${bars}`);
  const box = await page.locator("#graphique svg, #figure-graphique svg").first().boundingBox();
  assert.ok(box && box.width > 100 && box.height > 50, `visible chart: ${JSON.stringify(box)}`);
  const rows = await page.locator("#tableau-graphique tbody tr").count();
  assert.ok(rows > 1, `text alternative rows: ${rows}`);
  await page.close();
});

test("la carte montre les équipements sur les départements", async () => {
  const page = await open(browser, EQUIPEMENTS);
  const map = page.locator("#carte svg").first();
  const box = await map.boundingBox();
  assert.ok(box && box.width > 100, `visible map: ${JSON.stringify(box)}`);
  const markers = await page.locator("#carte svg circle").count();
  assert.ok(markers > 5, `markers: ${markers}`);
  const shapes = await page.locator("#carte svg path").count();
  assert.ok(shapes >= 13, `Occitanie's 13 départements drawn: ${shapes}`);
  await page.close();
});

test("l'aperçu trie et filtre par les paramètres de l'API", async () => {
  const page = await open(browser, MENUS);
  await page.fill("#filtre", "menuRepasType = 'déjeuner'");
  await Promise.all([page.waitForURL(/where=/), page.locator("#formulaire-apercu [type=submit]").first().click()]);
  const cells = await page.locator("#tableau-apercu tbody tr").count();
  assert.ok(cells > 0, "rows after filtering");
  assert.equal(await page.locator("#erreur-filtre").count(), 0, "no filter error");
  await page.fill("#filtre", "menuDate >>> 3");
  await Promise.all([page.waitForURL(/where=/), page.locator("#formulaire-apercu [type=submit]").first().click()]);
  assert.match(await page.textContent("#erreur-filtre"), /\S/);
  await page.close();
});
