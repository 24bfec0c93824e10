#!/usr/bin/env python3
"""Generates realistic SCDL CSV files for the validation benchmark (stdlib only, deterministic).

    python3 bench/gen_scdl.py subventions -n 1000000 -o bench/out/subventions-1000000.csv
    python3 bench/gen_scdl.py subventions -n 1000000 --errors 0.01 -o bench/out/subventions-1000000-err.csv
    python3 bench/gen_scdl.py menus -n 1000000 -o bench/out/menus-1000000.csv

Datasets:
  subventions  schema scdl-subventions 2.1.1 (16 columns)
  menus        schema scdl-menus-collectifs 1.2.3 (26 columns)
Rows are valid against their schema (custom checks included: SIRETs have valid Luhn keys), unless
`--errors RATE` is given: then each row, with probability RATE, gets one realistic mistake (a date
written JJ/MM/AAAA, a decimal comma, a SIRET with a wrong key, a value outside an enum, an empty
required cell). Same seed, same arguments: byte-identical file. Speed: pools of cells are built once
and rows are assembled by indexing them (about 1M rows in 10-20 s).
"""

import argparse
import csv
import datetime as dt
import json
import random
import sys

# ---------------------------------------------------------------- shared vocabulary
COMMUNES = [
    ("Rennes", "35238"), ("Brest", "29019"), ("Nantes", "44109"), ("Lyon", "69123"), ("Marseille", "13055"),
    ("Toulouse", "31555"), ("Lille", "59350"), ("Bordeaux", "33063"), ("Strasbourg", "67482"), ("Montpellier", "34172"),
    ("Nice", "06088"), ("Saint-Étienne", "42218"), ("Le Havre", "76351"), ("Reims", "51454"), ("Dijon", "21231"),
    ("Angers", "49007"), ("Grenoble", "38185"), ("Villeurbanne", "69266"), ("Nîmes", "30189"), ("Aix-en-Provence", "13001"),
    ("Clermont-Ferrand", "63113"), ("Le Mans", "72181"), ("Limoges", "87085"), ("Tours", "37261"), ("Amiens", "80021"),
    ("Perpignan", "66136"), ("Metz", "57463"), ("Besançon", "25056"), ("Orléans", "45234"), ("Rouen", "76540"),
    ("Mulhouse", "68224"), ("Caen", "14118"), ("Nancy", "54395"), ("Argenteuil", "95018"), ("Roubaix", "59512"),
    ("Avignon", "84007"), ("Poitiers", "86194"), ("Pau", "64445"), ("La Rochelle", "17300"), ("Ajaccio", "2A004"),
    ("Bastia", "2B033"), ("Quimper", "29232"), ("Vannes", "56260"), ("Lorient", "56121"), ("Saint-Malo", "35288"),
    ("Périgueux", "24322"), ("Cœuvres-et-Valsery", "02204"), ("L'Haÿ-les-Roses", "94038"), ("Évry-Courcouronnes", "91228"),
    ("Châteauroux", "36044"),
]
DEPARTEMENTS = ["Ille-et-Vilaine", "Finistère", "Loire-Atlantique", "Rhône", "Bouches-du-Rhône", "Haute-Garonne", "Nord",
                "Gironde", "Bas-Rhin", "Hérault", "Alpes-Maritimes", "Loire", "Seine-Maritime", "Marne", "Côte-d'Or"]
REGIONS = ["Bretagne", "Pays de la Loire", "Auvergne-Rhône-Alpes", "Occitanie", "Hauts-de-France", "Nouvelle-Aquitaine",
           "Grand Est", "Provence-Alpes-Côte d'Azur", "Normandie", "Bourgogne-Franche-Comté", "Centre-Val de Loire"]
PRENOMS = ["Jean", "Marie", "Pierre", "Anne", "Louis", "Camille", "Léa", "Hugo", "Chloé", "Lucas", "Inès", "Théo", "Zoé", "Noël", "Gaëlle"]
NOMS = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Le Gall", "Kerjean", "Lefèvre", "Garnier", "Faure"]


def luhn_ok(s):
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = ord(ch) - 48
        if i & 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def make_siret(rng, siren=None, prefix=""):
    """A 14-digit SIRET with a valid Luhn key (and a Luhn-valid SIREN, as real ones are).
    `prefix` mimics INSEE's legal categories (21 communes, 22 départements, 23 régions)."""
    if siren is None:
        while True:
            siren = prefix + "".join(rng.choice("0123456789") for _ in range(9 - len(prefix)))
            if siren[0] != "0" and luhn_ok(siren):
                break
    while True:
        nic = "".join(rng.choice("0123456789") for _ in range(4))
        for last in "0123456789":
            if luhn_ok(siren + nic + last):
                return siren + nic + last


def break_siret_key(siret):
    return siret[:-1] + str((int(siret[-1]) + 3) % 10)


def iso_dates(start, days):
    d0 = dt.date.fromisoformat(start)
    return [(d0 + dt.timedelta(days=i)).isoformat() for i in range(days)]


def to_ddmmyyyy(iso):
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


# ---------------------------------------------------------------- subventions 2.1.1
SUB_FIELDS = ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire", "idBeneficiaire",
              "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE",
              "notificationUE", "pourcentageSubvention", "dispositifAide"]
NATURES = ["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature", "aide en nature;aide en numéraire"]
OBJETS = ["Fonctionnement annuel de l'association", "Organisation du festival d'été", "Animations climat-énergie dans les lycées",
          "Soutien à la saison culturelle", "Achat de matériel sportif", "Rénovation du local associatif",
          "Accompagnement scolaire et aide aux devoirs", "Fête de quartier et vide-grenier", "Séjours de vacances pour les jeunes",
          "Aide à l'emploi d'un animateur", "Projet d'éducation à l'environnement", "Banque alimentaire : collecte d'hiver",
          "Participation au championnat régional", "Résidence d'artistes à l'école de musique", "Entretien des sentiers de randonnée"]
ASSOS = ["Association sportive", "Comité des fêtes", "Amicale laïque", "Club de football", "Compagnie de théâtre", "Les Restos du Cœur",
         "Secours populaire", "École de musique", "Club de handball", "Association des parents d'élèves", "Les Petits Débrouillards",
         "Office de tourisme", "Maison des jeunes et de la culture", "Club de l'âge d'or", "Cyclo-club"]


def subventions_pools(rng):
    def commune_label(name):
        return "Commune du " + name[3:] if name.startswith("Le ") else "Commune de " + name

    attribuants = [(commune_label(name), make_siret(rng, prefix="21")) for name, _ in COMMUNES]
    attribuants += [("Conseil départemental " + d, make_siret(rng, prefix="22")) for d in DEPARTEMENTS]
    attribuants += [("Région " + r, make_siret(rng, prefix="23")) for r in REGIONS]
    beneficiaires = []
    for i in range(5000):
        kind = rng.random()
        commune = COMMUNES[rng.randrange(len(COMMUNES))][0]
        if kind < 0.75:
            name = f"{ASSOS[rng.randrange(len(ASSOS))]} de {commune}"
        elif kind < 0.9:
            name = f"SARL {NOMS[rng.randrange(len(NOMS))]} et fils"
        else:
            name = f"{PRENOMS[rng.randrange(len(PRENOMS))]} {NOMS[rng.randrange(len(NOMS))]}, auto-entrepreneur"
        siret = make_siret(rng) if rng.random() < 0.9 else ""
        rna = "W" + "".join(rng.choice("0123456789") for _ in range(9)) if (kind < 0.75 and (not siret or rng.random() < 0.6)) else ""
        beneficiaires.append((name, siret, rna))
    dates = iso_dates("2018-01-01", 6 * 365)
    montants = [f"{rng.lognormvariate(7.5, 1.4):.2f}" for _ in range(20000)]
    montants += [str(rng.randrange(100, 100000, 50)) for _ in range(5000)]
    periodes = []
    for _ in range(3000):
        a = rng.randrange(len(dates) - 400)
        periodes.append(dates[a] if rng.random() < 0.4 else f"{dates[a]}/{dates[a + rng.randrange(30, 400)]}")
    pourcentages = [f"{rng.randrange(1, 101) / 100:.2f}".rstrip("0").rstrip(".") for _ in range(1000)]
    dispositifs = [""] * 5 + [f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-a{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}" for _ in range(20)]
    return dict(attribuants=attribuants, beneficiaires=beneficiaires, dates=dates, montants=montants, periodes=periodes,
                pourcentages=pourcentages, dispositifs=dispositifs)


def subventions_rows(n, rng, errors):
    p = subventions_pools(rng)
    att, ben, dates, mts, per, pct, disp = (p["attribuants"], p["beneficiaires"], p["dates"], p["montants"], p["periodes"],
                                             p["pourcentages"], p["dispositifs"])
    la, lb, ld, lm, lp, lpc, ldi, lo = len(att), len(ben), len(dates), len(mts), len(per), len(pct), len(disp), len(OBJETS)
    rand = rng.random
    randbelow = rng.randrange
    for i in range(n):
        a = att[randbelow(la)]
        b = ben[randbelow(lb)]
        siret_b, rna_b = b[1], b[2]
        if not siret_b and not rna_b:  # one-of-required: keep rows valid
            rna_b = "W" + str(100000000 + i % 900000000)
        d = dates[randbelow(ld)]
        row = [a[0], a[1], d, f"{d[:4]}-{i % 997:03d}", b[0], siret_b, rna_b, OBJETS[randbelow(lo)],
               mts[randbelow(lm)], NATURES[0] if rand() < 0.8 else NATURES[randbelow(4)],
               "unique" if rand() < 0.6 else "échelonné", per[randbelow(lp)], "" if rand() < 0.9 else str(10000 + randbelow(90000)),
               "non" if rand() < 0.95 else "oui", pct[randbelow(lpc)], disp[randbelow(ldi)]]
        if errors and rand() < errors:
            inject_subvention_error(row, rng)
        yield row


def inject_subvention_error(row, rng):
    kind = rng.randrange(6)
    if kind == 0:
        row[2] = to_ddmmyyyy(row[2])  # dateConvention JJ/MM/AAAA
    elif kind == 1:
        row[8] = row[8].replace(".", ",") if "." in row[8] else row[8] + ",50"  # decimal comma
    elif kind == 2:
        row[5] = break_siret_key(row[5] or row[1])  # bad SIRET key
    elif kind == 3:
        row[9] = rng.choice(["subvention", "Aide en numéraire", "numéraire", "aide financière"])  # outside enum
    elif kind == 4:
        row[rng.choice((0, 4, 7))] = ""  # empty required cell
    else:
        row[14] = rng.choice(["45", "45%", "0,45"])  # percentage as a French writes it


# ---------------------------------------------------------------- menus collectifs 1.2.3
MENU_FIELDS = ["menuCollNom", "menuCollSiret", "menuEtablissementNom", "menuEtablissementSiret", "menuRestaurantNom",
               "menuRestaurantInsee", "menuRestaurantId", "menuRestaurantIdType", "menuRestaurantType", "menuRestaurantConvive",
               "menuDate", "menuRepasType", "menuPlatType", "menuPlatNom", "menuPlatCode", "menuPlatSiqo", "menuPlatLabel",
               "menuPlatPrecision", "menuPlatRegime", "menuPlatAllergene", "menuPlatTexture", "menuPlatNutriscore", "menuPlatPrix",
               "menuPublicationDate", "menuModificationDate", "menuModificationInfo"]
PLATS = {
    "entrée": ["Carottes râpées vinaigrette", "Salade de lentilles", "Betteraves au maïs", "Taboulé", "Potage de légumes", "Œuf dur mayonnaise"],
    "plat principal": ["Blanquette de veau", "Poisson pané", "Hachis parmentier", "Poulet rôti", "Lasagnes à la bolognaise", "Curry de pois chiches", "Filet de colin sauce citron"],
    "garniture": ["Riz basmati", "Haricots verts", "Purée de pommes de terre", "Pâtes coquillettes", "Ratatouille", "Boulgour"],
    "dessert": ["Compote de pommes", "Fruit de saison", "Mousse au chocolat", "Tarte aux poires", "Yaourt aux fruits"],
    "produit laitier": ["Camembert", "Yaourt nature", "Emmental", "Petit-suisse", "Comté AOP"],
    "pain": ["Pain de campagne", "Baguette"],
}
SIQO = ['["agriculture biologique"]', '["label rouge"]', '["appellation d\'origine protégée"]', '["agriculture biologique","label rouge"]']
ALLERGENES = ['["lait"]', '["céréales contenant du gluten"]', '["oeufs","lait"]', '["poissons"]', '["céréales contenant du gluten","lait"]', '["céleri"]']
TYPES_RESTAU = ["maternelle", "élémentaire", "collège", "lycée", "crèche", "EHPAD", "centre de loisirs", "administration"]


def menus_pools(rng):
    colls = [(f"Ville de {c}", make_siret(rng, prefix="21"), insee) for c, insee in COMMUNES]
    etabs = []
    for coll in colls:
        siren = coll[1][:9]
        for k in range(rng.randrange(1, 4)):
            etabs.append((coll, f"Cuisine centrale {k + 1}" if k else "Cuisine centrale", make_siret(rng, siren)))
    restos = []
    for e in etabs:
        for k in range(rng.randrange(3, 12)):
            t = TYPES_RESTAU[rng.randrange(len(TYPES_RESTAU))]
            nom = f"{'École' if t in ('maternelle', 'élémentaire') else t.capitalize()} {NOMS[rng.randrange(len(NOMS))]}"
            rid = f"0{e[0][2][:2]}{rng.randrange(1000, 9999)}{chr(65 + rng.randrange(26))}" if t in ("maternelle", "élémentaire", "collège", "lycée") else ""
            restos.append((e, nom, rid, "EN" if rid else "sans", t, "adultes" if t in ("EHPAD", "administration") else "enfants"))
    dates = [d for d in iso_dates("2023-09-01", 730) if dt.date.fromisoformat(d).weekday() < 5]
    prix = [f"{rng.randrange(50, 800) / 100:.2f}" for _ in range(300)]
    return dict(restos=restos, dates=dates, prix=prix)


def menus_rows(n, rng, errors):
    p = menus_pools(rng)
    restos, dates, prix = p["restos"], p["dates"], p["prix"]
    plat_types = list(PLATS)
    lr, ld, lpx = len(restos), len(dates), len(prix)
    rand, randbelow = rng.random, rng.randrange
    i = 0
    while i < n:
        e_r = restos[randbelow(lr)]
        e, coll = e_r[0], e_r[0][0]
        d = dates[randbelow(ld)]
        pub = f"{d}T{6 + randbelow(4):02d}:{randbelow(60):02d}:00+02:00"
        for plat_type in plat_types:  # one menu = one row per dish
            if i >= n:
                break
            plats = PLATS[plat_type]
            row = [coll[0], coll[1], e[1], e[2], e_r[1], coll[2], e_r[2], e_r[3], e_r[4], e_r[5], d, "déjeuner", plat_type,
                   plats[randbelow(len(plats))], "", SIQO[randbelow(len(SIQO))] if rand() < 0.3 else "", "", "",
                   '["végétarien"]' if plat_type == "plat principal" and rand() < 0.2 else "",
                   ALLERGENES[randbelow(len(ALLERGENES))] if rand() < 0.5 else "", "",
                   "ABCDE"[randbelow(5)] if rand() < 0.4 else "", prix[randbelow(lpx)] if rand() < 0.3 else "", pub, "", ""]
            if errors and rand() < errors:
                inject_menu_error(row, rng)
            yield row
            i += 1


def inject_menu_error(row, rng):
    kind = rng.randrange(5)
    if kind == 0:
        row[10] = to_ddmmyyyy(row[10])  # menuDate JJ/MM/AAAA
    elif kind == 1:
        row[22] = (row[22] or "3.50").replace(".", ",")  # decimal comma in the price
    elif kind == 2:
        row[1] = break_siret_key(row[1])  # bad SIRET key
    elif kind == 3:
        row[8] = rng.choice(["école", "cantine", "Collège"])  # outside enum
    else:
        row[rng.choice((0, 4, 13))] = ""  # empty required cell


# ---------------------------------------------------------------- main
DATASETS = {"subventions": (SUB_FIELDS, subventions_rows), "menus": (MENU_FIELDS, menus_rows)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", choices=sorted(DATASETS))
    ap.add_argument("-n", "--rows", type=int, default=1_000_000, help="number of data rows (default 1,000,000)")
    ap.add_argument("--errors", type=float, default=0.0, metavar="RATE", help="probability that a row gets one error (e.g. 0.01)")
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("-o", "--output", default="-", help="output path (default: stdout)")
    args = ap.parse_args(argv)
    header, gen = DATASETS[args.dataset]
    rng = random.Random(f"{args.dataset}:{args.seed}")
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="")
    try:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        w.writerows(gen(args.rows, rng, args.errors))
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
