#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the real payloads (../shared/fixtures/real) and the documented
shapes. The real payloads are not copied into the repository: run this before fuzzing.

Each seed starts with the target's mode byte (see the target's doc comment): 0 = raw input."""
import hashlib, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
real = os.environ.get("FTCOLLECT_REAL_FIXTURES", os.path.join(here, "..", "..", "shared", "fixtures", "real"))

def put(target, data: bytes):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def load(name):
    try:
        with open(os.path.join(real, name), "rb") as f:
            return json.load(f)
    except FileNotFoundError:
        print(f"note: {name} not found in {real}", file=sys.stderr)
        return None

ft_offers, labels = [], set()
for name in sorted(os.listdir(real)) if os.path.isdir(real) else []:
    if not name.startswith("ft_"):
        continue
    v = load(name)
    items = v if isinstance(v, list) else (v.get("resultats") or [v]) if isinstance(v, dict) else []
    ft_offers.extend(o for o in items if isinstance(o, dict))
for o in ft_offers:
    put("france_travail_offer", b"\x00" + json.dumps(o, ensure_ascii=False).encode())
    sal = o.get("salaire") or {}
    if isinstance(sal, dict) and isinstance(sal.get("libelle"), str):
        labels.add(sal["libelle"])
for o in ft_offers[:40]:
    put("france_travail_offer", b"\x01" + hashlib.sha1(json.dumps(o).encode()).digest())

for name in ["adzuna_search_fr_2022-02_10results.json", "adzuna_search_gb_2023-05_50results.json",
             "adzuna_search_us_2025-07_10results.json"]:
    v = load(name)
    if isinstance(v, dict):
        put("adzuna_job", b"\x00" + json.dumps(v, ensure_ascii=False).encode())
        for j in v.get("results", []):
            put("adzuna_job", b"\x00" + json.dumps(j, ensure_ascii=False).encode())
            put("adzuna_job", b"\x01" + hashlib.sha1(json.dumps(j).encode()).digest())

labels |= {"Annuel de 35000,00 Euros à 45000,00 Euros", "Mensuel de 2630.38 Euros à 2737.0 Euros sur 12.0 mois",
           "Horaire de 11,65 Euros", "Horaire de 11.88 Euros sur 0.0 mois", "Autre de 30000,00 Euros à 40000,00 Euros",
           "De 20000,00 Euros à 20000,00 Euros", "Annuel de", "Mensuel de 1 800,00 Euros"}
for l in labels:
    put("salary", b"\x00" + l.encode())
for i in range(16):
    put("salary", bytes([1, i * 16, i]) + b"\x00" * 16)
    put("salary", bytes([2, i * 16, i]) + b"\x00" * 16)

for v in ["offres 0-149/496", "offres 300-352/353", "offres */0", "metiers */1911", " offres  0-0/1 "]:
    put("content_range", b"\x00" + v.encode())
for v in ["3", "120", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"]:
    put("retry_after", b"\x00" + v.encode())
print(f"seeded: {len(ft_offers)} France Travail offers, {len(labels)} salary labels")
