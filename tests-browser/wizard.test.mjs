// The publishing wizard in a real browser, without JavaScript doing anything for it: sign in,
// create a dataset, drop a file with the usual mistakes, read the report, apply the fixes,
// publish, find the data through the API. Every page is checked with axe-core.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, open, baseUrl, assertAccessible, screenshot } from "./browser.mjs";

const socle = process.env.SOCLE_BIN;
const data = process.env.SOCLE_DEMO_DATA;
const email = "agente.wizard@occitanie.test";
const adminEmail = "admin.wizard@occitanie.test";
const password = "une phrase de passe assez longue";
// Région Occitanie, one of the demo's organisations.
const siren = "200053791";

let browser;
before(async () => {
  assert.ok(socle && data, "run.sh exports SOCLE_BIN and SOCLE_DEMO_DATA");
  const run = (args, input) => execFileSync(socle, ["--data", data, ...args], { input, encoding: "utf8" });
  run(["user", "add", email, "--name", "Agente Wizard"]);
  run(["user", "grant", email, "--org", siren, "--role", "editor"]);
  run(["user", "passwd", email], `${password}\n`);
  run(["user", "add", adminEmail, "--admin"]);
  run(["user", "passwd", adminEmail], `${password}\n`);
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A subventions file as a commune agent exports it: semicolons, Windows-1252, French habits. */
function fileWithUsualMistakes() {
  const header =
    "nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;rnaBeneficiaire;objet;montant;nature;conditionsVersement;datesPeriodeVersement;idRAE;notificationUE;pourcentageSubvention;dispositifAide";
  const rows = [
    "Région Occitanie;213 401 722 01787;05/03/2026;;Association sportive;21340172201787;;Soutien aux clubs;1 500,50;aide en numéraire;unique;2026-04-01;;Non;1;",
    "Région Occitanie;21340172201787;2026-03-06;;Comité des fêtes;21340172201787;;Fête de quartier;800;aide en numéraire ;unique;2026-04-01;;Oui;0,5;",
  ];
  const text = [header, ...rows].join("\r\n") + "\r\n";
  const bytes = Buffer.from(text, "latin1");
  const path = join(mkdtempSync(join(tmpdir(), "socle-wizard-")), "subventions-mars.csv");
  writeFileSync(path, bytes);
  return path;
}

test("un agent publie un fichier imparfait avec l'assistant, sans JavaScript", async () => {
  const page = await open(browser, "/connexion?suite=/publier");
  await assertAccessible(page, "connexion");
  await screenshot(page, "connexion");
  await page.getByLabel("Adresse électronique").fill(email);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${baseUrl}/publier`);
  await assertAccessible(page, "publier");
  await screenshot(page, "publier");

  await page.getByLabel("Organisation qui publie").selectOption(siren);
  await page.getByLabel(/^Titre/).fill("Subventions de mars");
  await page.getByLabel(/^Schéma de données/).selectOption("scdl-subventions");
  await page.getByRole("button", { name: "Créer et passer au fichier" }).click();
  await page.waitForURL(/\/publier\/ressources\/\d+$/);
  await assertAccessible(page, "dépôt");
  await screenshot(page, "publier-depot");

  await page.getByLabel(/^Fichier CSV/).setInputFiles(fileWithUsualMistakes());
  await page.getByRole("button", { name: "Vérifier le fichier" }).click();
  await page.waitForSelector("#verdict");
  const verdict = await page.locator("#verdict").innerText();
  assert.match(verdict, /n'est pas conforme au schéma/);
  assert.match(await page.locator("main").innerText(), /encodage détecté : (ISO-8859-1|Windows-1252)/);
  assert.ok((await page.locator("td.faulty").count()) > 0, "faulty cells highlighted");
  await assertAccessible(page, "rapport");
  await screenshot(page, "publier-rapport");

  await page.getByRole("button", { name: "Publier" }).click();
  await page.waitForURL(/\/publier\/versions\/\d+$/);
  const confirmation = await page.locator("#confirmation").innerText();
  assert.match(confirmation, /est publiée \(2 lignes\), conforme à son schéma/);
  assert.match(confirmation, /cellule\(s\) corrigée\(s\) automatiquement/);
  await assertAccessible(page, "confirmation");
  await screenshot(page, "publier-fait");

  const api = page.getByRole("link", { name: "Les données par l'API" });
  const records = await (await page.request.get(baseUrl + (await api.getAttribute("href")))).json();
  assert.equal(records.results.length, 2, JSON.stringify(records));
  assert.match(JSON.stringify(records), /2026-03-05/);
  await page.close();
});

test("un classeur XLSX aux dates JJ/MM/AAAA et virgules décimales, corrigé puis visible dans l'aperçu", async () => {
  // A real XLSX with the usual spreadsheet habits: the demo's imperfect canteen menus (dates
  // JJ/MM/AAAA, decimal commas), as Socle's own XLSX export gives them back.
  const page = await open(browser, "/connexion?suite=/publier");
  const dataset = await (await page.request.get(`${baseUrl}/api/v1/datasets/marvejols-menus-cantines-2026-11`)).json();
  const xlsx = await page.request.get(`${baseUrl}/api/v1/resources/${dataset.resources[0].id}/exports/xlsx`);
  assert.equal(xlsx.status(), 200);
  const workbook = await xlsx.body();
  assert.equal(workbook.subarray(0, 2).toString("latin1"), "PK", "an XLSX (zip) file");

  await page.getByLabel("Adresse électronique").fill(email);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${baseUrl}/publier`);
  await page.getByLabel("Organisation qui publie").selectOption(siren);
  await page.getByLabel(/^Titre/).fill("Menus des lycées — novembre");
  await page.getByLabel(/^Schéma de données/).selectOption("scdl-menus-collectifs");
  await page.getByRole("button", { name: "Créer et passer au fichier" }).click();
  await page.waitForURL(/\/publier\/ressources\/\d+$/);
  await page.getByLabel(/^Fichier CSV/).setInputFiles({
    name: "menus-novembre.xlsx",
    mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    buffer: workbook,
  });
  await page.getByRole("button", { name: "Vérifier le fichier" }).click();
  await page.waitForSelector("#verdict");
  assert.match(await page.locator("#verdict").innerText(), /n'est pas conforme au schéma/);
  const report = await page.locator("main").innerText();
  assert.match(report, /XLSX/);
  assert.match(report, /menuDate/);
  assert.match(report, /menuPlatPrix/);
  assert.ok((await page.locator("td.faulty").count()) > 0, "faulty cells highlighted");
  await assertAccessible(page, "rapport XLSX");
  await screenshot(page, "publier-rapport-xlsx");

  await page.getByRole("button", { name: "Publier" }).click();
  await page.waitForURL(/\/publier\/versions\/\d+$/);
  const confirmation = await page.locator("#confirmation").innerText();
  assert.match(confirmation, /est publiée \(154 lignes\), conforme à son schéma/);

  // The corrected rows are in the dataset page's preview and in the API.
  await page.getByRole("link", { name: "Page du jeu de données" }).click();
  await page.waitForSelector("#tableau-apercu");
  assert.ok((await page.locator("#tableau-apercu tbody tr").count()) > 0, "rows in the preview");
  assert.match(await page.locator("#tableau-apercu").innerText(), /Marvejols/);
  // Typed values now: the dates are dates (the page shows them the French way), prices numbers.
  const resource = (await page.locator("[id^=ressource-]").first().getAttribute("id")).split("-")[1];
  const where = encodeURIComponent("menuDate = date'2026-11-02' AND menuPlatPrix = 0.55");
  const records = await (await page.request.get(`${baseUrl}/api/v1/resources/${resource}/records?where=${where}&limit=1`)).json();
  assert.equal(records.results.length, 1, JSON.stringify(records));
  assert.equal(records.results[0].menuDate, "2026-11-02");
  assert.equal(records.results[0].menuPlatPrix, 0.55);
  await page.close();
});

test("le compte et l'administration sont accessibles", async () => {
  const page = await open(browser, "/connexion?suite=/compte");
  await page.getByLabel("Adresse électronique").fill(email);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${baseUrl}/compte`);
  assert.match(await page.locator("main").innerText(), /Région Occitanie/);
  await assertAccessible(page, "compte");
  await screenshot(page, "compte");
  await page.close();

  const admin = await open(browser, "/connexion?suite=/admin");
  await admin.getByLabel("Adresse électronique").fill(adminEmail);
  await admin.getByLabel("Mot de passe").fill(password);
  await admin.getByRole("button", { name: "Se connecter" }).click();
  await admin.waitForURL(`${baseUrl}/admin`);
  assert.match(await admin.locator("main").innerText(), /agente\.wizard@occitanie\.test/);
  await assertAccessible(admin, "administration");
  await screenshot(admin, "admin");
  await admin.close();
});
