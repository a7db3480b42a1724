"""The plain-Python normalizer a user would write (the seed's kind): one pass, json.loads,
regexes for the salary and télétravail, csv.writer. The baseline `ftcollect normalize` is
measured against on real offers.

    python3 plain_normalizer.py OUT.csv INPUT.jsonl [INPUT.jsonl ...]

Each input holds JSON Lines of France Travail offers (or search responses). Prints the row count.
"""
import csv
import json
import re
import sys

SALARY = re.compile(
    r"^(Horaire|Mensuel|Annuel)\s+de\s+([\d.,]+)\s*Euros?(?:\s+à\s+([\d.,]+)\s*Euros?)?"
    r"(?:\s+sur\s+([\d.,]+)\s*mois)?",
    re.IGNORECASE,
)
REMOTE = re.compile(r"t[ée]l[ée][\s-]?travail|remote|full\s+remote", re.IGNORECASE)
DEPT = re.compile(r"^(\d[\dAB]|97\d)\s*-")


def number(s):
    if s is None:
        return ""
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return ""


def offers(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            doc = json.loads(line)
            if isinstance(doc, dict) and "resultats" in doc:
                yield from doc["resultats"] or []
            elif isinstance(doc, list):
                yield from doc
            else:
                yield doc


COLUMNS = [
    "id", "title", "description", "date_creation", "date_actualisation", "company_name",
    "location_name", "department_code", "latitude", "longitude", "contract_type",
    "contract_label", "code_rome", "salary_text", "salary_period", "salary_min", "salary_max",
    "salary_months", "remote_work", "experience", "qualification", "sector", "skills",
]


def row(o):
    lieu = o.get("lieuTravail") or {}
    salaire = o.get("salaire") or {}
    libelle = salaire.get("libelle") or ""
    m = SALARY.match(libelle)
    period, lo, hi, months = (m.group(1).lower(), number(m.group(2)), number(m.group(3)),
                              number(m.group(4))) if m else ("", "", "", "")
    text = (o.get("intitule") or "") + "\n" + (o.get("description") or "")
    remote = "true" if REMOTE.search(text) else ""
    dept = DEPT.match(lieu.get("libelle") or "")
    skills = "|".join(c.get("libelle", "") for c in o.get("competences") or [])
    return [
        o.get("id"), o.get("intitule"), o.get("description"), o.get("dateCreation"),
        o.get("dateActualisation"), (o.get("entreprise") or {}).get("nom"), lieu.get("libelle"),
        dept.group(1) if dept else "", lieu.get("latitude"), lieu.get("longitude"),
        o.get("typeContrat"), o.get("typeContratLibelle"), o.get("romeCode"), libelle or None,
        period, lo, hi, months, remote, o.get("experienceLibelle"),
        o.get("qualificationLibelle"), o.get("secteurActiviteLibelle"), skills,
    ]


def main():
    out, inputs = sys.argv[1], sys.argv[2:]
    n = 0
    seen = set()
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for path in inputs:
            for o in offers(path):
                if not isinstance(o, dict) or o.get("id") in seen:
                    continue
                seen.add(o.get("id"))
                w.writerow(row(o))
                n += 1
    print(n)


if __name__ == "__main__":
    main()
