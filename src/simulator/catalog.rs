//! The words the simulated offers are made of: ROME codes and their titles, description paragraphs,
//! companies, skills, contracts, salary shapes — all modelled on the real payloads.
//!
//! Invariant: only static data here; the universe picks from it with a seeded generator, so the same
//! seed always renders the same offers.

/// A ROME code, its label, its share of the universe and the titles offers carry.
pub struct Rome {
    pub code: &'static str,
    pub label: &'static str,
    pub weight: f64,
    pub titles: &'static [&'static str],
    pub appellations: &'static [&'static str],
}

/// The default codes of the seed first, then a spread of other jobs.
pub const ROMES: &[Rome] = &[
    Rome {
        code: "M1811",
        label: "Data engineer",
        weight: 22.0,
        titles: &[
            "Data engineer",
            "Data Engineer (H/F)",
            "Ingénieur data (H/F)",
            "Data engineer senior - Cloud",
            "Ingénieur big data Spark / Scala",
        ],
        appellations: &["Data engineer", "Ingénieur / Ingénieure big data"],
    },
    Rome {
        code: "M1405",
        label: "Data scientist",
        weight: 15.0,
        titles: &[
            "Data scientist (H/F)",
            "Data Scientist",
            "Ingénieur machine learning (H/F)",
            "Data scientist confirmé - NLP",
        ],
        appellations: &[
            "Data scientist",
            "Ingénieur / Ingénieure en intelligence artificielle",
        ],
    },
    Rome {
        code: "M1827",
        label: "Ingénieur / Ingénieure DevOps",
        weight: 13.0,
        titles: &[
            "Ingénieur DevOps (H/F)",
            "DevOps engineer",
            "Ingénieur cloud DevOps AWS",
            "SRE / DevOps (H/F)",
        ],
        appellations: &["Ingénieur / Ingénieure DevOps"],
    },
    Rome {
        code: "M1851",
        label: "Analyste décisionnel - Business Intelligence",
        weight: 8.0,
        titles: &[
            "Consultant BI (H/F)",
            "Analyste décisionnel",
            "Développeur BI Power BI (H/F)",
            "Business Intelligence analyst",
        ],
        appellations: &[
            "Analyste décisionnel - Business Intelligence",
            "Consultant / Consultante BI",
        ],
    },
    Rome {
        code: "K1906",
        label: "Délégué / Déléguée à la protection des données - DPO",
        weight: 2.0,
        titles: &[
            "Délégué à la protection des données (DPO)",
            "DPO - Data Protection Officer (H/F)",
            "Juriste RGPD / DPO",
        ],
        appellations: &["Délégué / Déléguée à la protection des données - DPO"],
    },
    Rome {
        code: "M1419",
        label: "Data analyst",
        weight: 6.0,
        titles: &[
            "Data analyst (H/F)",
            "Analyste de données",
            "Data analyst junior",
        ],
        appellations: &["Data analyst"],
    },
    Rome {
        code: "M1805",
        label: "Études et développement informatique",
        weight: 8.0,
        titles: &[
            "Développeur full stack (H/F)",
            "Développeur Java / Spring",
            "Développeur Python (H/F)",
            "Ingénieur logiciel C++",
        ],
        appellations: &[
            "Développeur / Développeuse informatique",
            "Ingénieur / Ingénieure logiciel",
        ],
    },
    Rome {
        code: "M1810",
        label: "Production et exploitation de systèmes d'information",
        weight: 4.0,
        titles: &[
            "Technicien d'exploitation informatique",
            "Administrateur systèmes Linux (H/F)",
        ],
        appellations: &["Technicien / Technicienne d'exploitation informatique"],
    },
    Rome {
        code: "J1506",
        label: "Soins infirmiers généralistes",
        weight: 5.0,
        titles: &[
            "Infirmier / Infirmière (H/F)",
            "Infirmier de nuit",
            "IDE en EHPAD",
        ],
        appellations: &["Infirmier / Infirmière"],
    },
    Rome {
        code: "N4101",
        label: "Conduite de transport de marchandises sur longue distance",
        weight: 4.0,
        titles: &[
            "Chauffeur poids lourd (H/F)",
            "Conducteur SPL",
            "Chauffeur PL régional",
        ],
        appellations: &["Conducteur / Conductrice poids lourd"],
    },
    Rome {
        code: "G1603",
        label: "Personnel polyvalent en restauration",
        weight: 4.0,
        titles: &[
            "Employé polyvalent de restauration (H/F)",
            "Équipier polyvalent",
        ],
        appellations: &["Employé / Employée polyvalent(e) de restauration"],
    },
    Rome {
        code: "M1203",
        label: "Comptabilité",
        weight: 4.0,
        titles: &[
            "Comptable (H/F)",
            "Assistant comptable",
            "Comptable fournisseurs",
        ],
        appellations: &["Comptable"],
    },
    Rome {
        code: "F1703",
        label: "Maçonnerie",
        weight: 3.0,
        titles: &["Maçon (H/F)", "Maçon coffreur", "Chef d'équipe maçonnerie"],
        appellations: &["Maçon / Maçonne"],
    },
    Rome {
        code: "K2111",
        label: "Formation professionnelle",
        weight: 2.0,
        titles: &["Formateur en informatique (H/F)", "Formateur data / IA"],
        appellations: &["Formateur / Formatrice"],
    },
];

/// Paragraphs of descriptions. Some mention remote work, some refuse it; quotes, accents, semicolons
/// and line breaks are deliberate (the CSV must carry them verbatim).
pub const PARAGRAPHS: &[&str] = &[
    "Vous êtes passionné(e) par la data et souhaitez relever des défis techniques au sein d'équipes dynamiques ? Ce poste est fait pour vous !",
    "Vos missions :\n- Concevoir, développer et optimiser des pipelines de données robustes et scalables.\n- Mettre en place des architectures data modernes (cloud ou on-premise).\n- Garantir la qualité, la sécurité et la gouvernance des données.",
    "Votre profil :\nSolide maîtrise de Python, SQL ou Spark ; expérience avec des bases de données (SQL/NoSQL).",
    "Notre client, acteur majeur du secteur bancaire, recherche un(e) \"expert\" pour renforcer son équipe de 12 personnes.",
    "Rejoignez une entreprise à taille humaine où l'autonomie, la rigueur et l'esprit d'équipe font la différence.",
    "Télétravail possible 2 jours par semaine après la période d'essai.",
    "Poste en full remote, avec un déplacement mensuel au siège.",
    "Poste 100% présentiel, pas de télétravail possible.",
    "Rémunération : selon profil ; tickets restaurant, mutuelle prise en charge à 60%, RTT.",
    "Vous participerez à l'industrialisation des modèles (MLOps) et à la mise en production sur Kubernetes.",
    "Environnement technique : AWS, Terraform, Docker, GitLab CI, Airflow, dbt, Snowflake.",
    "Vous accompagnerez les équipes métier dans la définition des indicateurs et la construction de tableaux de bord Power BI.",
    "Vous veillerez à la conformité au RGPD, tiendrez le registre des traitements et conseillerez la direction.",
    "Horaires : du lundi au vendredi, 35h ; prise de poste dès que possible.",
    "Vous assurerez les soins auprès des patients, en lien avec l'équipe médicale ; travail un week-end sur deux.",
    "Transport de marchandises en région ; permis C/CE et FIMO à jour exigés.",
    "Accueil des clients, préparation des commandes, service en salle et entretien des locaux.",
    "Saisie des factures, rapprochements bancaires, préparation des déclarations de TVA ; maîtrise d'Excel (tableaux croisés dynamiques).",
    "Réalisation de travaux de gros œuvre : fondations, murs, dalles ; lecture de plans.",
    "Animation de sessions de formation en présentiel et à distance, conception de supports pédagogiques.",
    "Contexte : \"migration vers le cloud\" d'un SI de 3000 utilisateurs ; budget 2 M€.",
    "Process de recrutement : un entretien RH, un test technique, un entretien avec l'équipe.\r\nRéponse sous 8 jours.",
];

/// Companies (about a quarter of offers have none).
pub const COMPANIES: &[&str] = &[
    "ARTIALYS",
    "DATA & CO",
    "Société Générale",
    "CAPGEMINI TECHNOLOGY SERVICES",
    "SOPRA STERIA GROUP",
    "AXA FRANCE VIE",
    "Centre Hospitalier Universitaire",
    "TRANSPORTS DUPONT & FILS",
    "La Brasserie du Port",
    "CABINET D'EXPERTISE COMPTABLE MARTIN",
    "BÂTI-OUEST",
    "ADECCO FRANCE",
    "Manpower France",
    "OCTO Technology",
    "Ville de Lyon",
];

pub const COMPANY_SIZES: &[&str] = &[
    "0 salarié",
    "1 ou 2 salariés",
    "3 à 5 salariés",
    "6 à 9 salariés",
    "10 à 19 salariés",
    "20 à 49 salariés",
    "50 à 99 salariés",
    "100 à 199 salariés",
    "250 à 499 salariés",
    "500 à 999 salariés",
    "1000 à 1999 salariés",
    "2000 à 4999 salariés",
];

/// `competences[]`: (code, libelle).
pub const SKILLS: &[(&str, &str)] = &[
    ("300067", "Analyser, exploiter, structurer des données"),
    ("300488", "Concevoir et gérer un projet"),
    ("120209", "Enrichir une base de données"),
    (
        "403927",
        "Collaborer dans un groupe pour réaliser un projet",
    ),
    (
        "404185",
        "Convaincre en argumentant avec un ou plusieurs interlocuteurs (interne et externe)",
    ),
    ("300462", "Rendre compte de son activité"),
    ("122618", "Langages de programmation informatique"),
    ("125923", "Modélisation de données"),
    ("126473", "Cloud computing"),
    (
        "121985",
        "Administrer un système de gestion de base de données",
    ),
    ("104307", "Réaliser des soins d'hygiène et de confort"),
    ("107917", "Conduire un poids lourd"),
    ("100040", "Saisir des données comptables"),
];

pub const LANGUAGES: &[&str] = &["Anglais", "Allemand", "Espagnol", "Italien"];
pub const LICENCES: &[&str] = &[
    "B - Véhicule léger",
    "C - Poids lourd",
    "CE - PL + remorque",
];
pub const EDUCATION: &[&str] = &[
    "Bac+5 et plus ou équivalents",
    "Bac+3, Bac+4 ou équivalents",
    "Bac+2 ou équivalents",
    "Bac ou équivalent",
    "CAP, BEP et équivalents",
];
pub const PARTNERS: &[&str] = &[
    "DIRECTEMPLOI",
    "METEOJOB",
    "CADREMPLOI",
    "INDEED",
    "HELLOWORK",
];
pub const QUALIFICATIONS: &[(&str, &str)] = &[
    ("9", "Cadre"),
    ("7", "Technicien"),
    ("8", "Agent de maîtrise"),
    ("6", "Employé qualifié"),
    ("5", "Employé non qualifié"),
];
pub const NAFS: &[(&str, &str, &str)] = &[
    (
        "62.02A",
        "62",
        "Conseil en systèmes et logiciels informatiques",
    ),
    ("62.01Z", "62", "Programmation informatique"),
    (
        "78.20Z",
        "78",
        "Activités des agences de travail temporaire",
    ),
    ("64.19Z", "64", "Autres intermédiations monétaires"),
    ("86.10Z", "86", "Activités hospitalières"),
    ("49.41A", "49", "Transports routiers de fret interurbains"),
    ("56.10A", "56", "Restauration traditionnelle"),
    ("69.20Z", "69", "Activités comptables"),
];
pub const WORK_HOURS: &[(&str, &str)] = &[
    ("35H Travail en journée", "Temps plein"),
    ("35H\nTravail en journée", "Temps plein"),
    ("37H30 Autre", "Temps plein"),
    ("39H Horaires normaux", "Temps plein"),
    ("24H Travail en journée", "Temps partiel"),
    ("28H Horaires variables", "Temps partiel"),
];

/// `typeContrat`, its relative weight, and the `typeContratLibelle` shapes (`{}` = a duration).
pub const CONTRACTS: &[(&str, u32, &[&str])] = &[
    ("CDI", 60, &["CDI", "Contrat à durée indéterminée"]),
    (
        "CDD",
        18,
        &["CDD - {} Mois", "Contrat à durée déterminée - {} Mois"],
    ),
    (
        "MIS",
        16,
        &[
            "Mission intérimaire - {} Mois",
            "Intérim - {} Mois",
            "Mission intérimaire - {} Jour(s)",
        ],
    ),
    ("SAI", 2, &["Contrat travail saisonnier - {} Mois"]),
    ("LIB", 2, &["Profession libérale"]),
    ("FRA", 2, &["Franchise"]),
];

pub const NATURES: &[&str] = &[
    "Contrat travail",
    "Contrat travail",
    "Contrat travail",
    "Contrat apprentissage",
    "Cont. professionnalisation",
];

pub const SALARY_COMMENTS: &[&str] = &[
    "Selon profil",
    "A négocier",
    "45 - 55 k€ brut annuel",
    "Selon convention collective",
];
pub const SALARY_COMPLEMENTS: &[&str] = &[
    "Chèque repas",
    "Mutuelle",
    "Primes",
    "Participation/action",
    "Prime de fin d'année",
];

/// `entreprise.description` (present in ~44% of real offers).
pub const COMPANY_DESCRIPTIONS: &[&str] = &[
    "Entreprise de services du numérique de 800 collaborateurs, nous accompagnons nos clients grands comptes dans leurs projets de transformation data et cloud depuis 2005.",
    "Acteur régional de la santé, notre établissement emploie 2 400 professionnels au service des patients du territoire, avec des plateaux techniques modernes.",
    "PME familiale spécialisée dans le transport de marchandises depuis trois générations, nous exploitons une flotte de 60 véhicules récents.",
    "Cabinet d'expertise comptable indépendant, nous accompagnons TPE et PME dans leur gestion quotidienne, leur fiscalité et leurs projets de croissance.",
    "Start-up de la fintech créée en 2019, nous développons une plateforme de paiement utilisée par plus de 3 000 commerçants en Europe.",
];

/// `qualitesProfessionnelles[]`: (libelle, description).
pub const QUALITIES: &[(&str, &str)] = &[
    (
        "Faire preuve d'autonomie",
        "Capacité à prendre en charge son activité sans devoir être encadré de façon continue (le cas échéant, à solliciter les autres acteurs de l'entreprise).",
    ),
    (
        "Faire preuve de rigueur et de précision",
        "Capacité à réaliser des tâches en suivant avec exactitude les règles, les procédures, les instructions qui ont été fournies, sans réaliser d'erreur et à transmettre clairement des informations.",
    ),
    (
        "Organiser son travail selon les priorités et les objectifs",
        "Capacité à planifier, prioriser, anticiper des actions, en tenant compte des moyens, des ressources, des objectifs et du calendrier pour les réaliser.",
    ),
    (
        "Travailler en équipe",
        "Capacité à travailler avec d'autres personnes, à partager des informations et à se coordonner pour atteindre un objectif commun.",
    ),
    (
        "Faire preuve de réactivité",
        "Capacité à réagir rapidement face à des évènements et à des imprévus, en hiérarchisant les actions, en fonction de leur degré d'urgence / d'importance.",
    ),
];

/// `deplacementCode`, `deplacementLibelle`.
pub const TRAVEL: &[(&str, &str)] = &[
    ("1", "Jamais"),
    ("2", "Ponctuels Zone régionale"),
    ("3", "Fréquents Zone nationale"),
    ("2", "Ponctuels Zone départementale"),
];

/// The opening sentence of a simulated advert, `{0} {1}, {2}.`, one word list per part (12 × 12 ×
/// 12 openings): real adverts rarely share their first words unless they are the same job, and
/// without it two offers drawn alike would be textually identical. No word here is a search word
/// of the simulated APIs' indexes (titles, labels, paragraphs, Adzuna phrases).
pub const HOOKS: [&[&str]; 3] = [
    &[
        "Nous recrutons",
        "Rejoignez-nous",
        "Notre client recrute",
        "Poste à pourvoir",
        "Opportunité",
        "Nouvelle offre",
        "Création de poste",
        "Remplacement",
        "Renfort d'équipe",
        "Recrutement",
        "Urgent",
        "À saisir",
    ],
    &[
        "pour son site principal",
        "pour une équipe de 5 personnes",
        "pour une équipe de 12 personnes",
        "au sein d'une PME familiale",
        "au sein d'un grand groupe",
        "pour un client du secteur public",
        "pour un client industriel",
        "pour un acteur de la santé",
        "pour une jeune pousse en croissance",
        "pour un cabinet reconnu",
        "pour une collectivité",
        "pour un réseau d'agences",
    ],
    &[
        "démarrage immédiat",
        "démarrage sous un mois",
        "démarrage en septembre",
        "démarrage en janvier",
        "entretiens dès cette semaine",
        "processus en deux entretiens",
        "période d'essai de deux mois",
        "poste sédentaire",
        "déplacements ponctuels",
        "horaires de bureau",
        "parking sur place",
        "accès en transports",
    ],
];

/// An opening drawn from [`HOOKS`].
pub fn hook(rng: &mut fastrand::Rng) -> String {
    let [a, b, c] = HOOKS.map(|list| list[rng.usize(..list.len())]);
    format!("{a} {b}, {c}.")
}
