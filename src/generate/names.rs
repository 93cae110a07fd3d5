//! Word lists for synthetic schools. Plain Dutch names as they occur in real LAS exports,
//! including non-ASCII letters (Zoë, Yılmaz) and the voorvoegsels that UWLR keeps in their
//! own element, so that consumers are exercised on the shapes real data has.

/// Popular boys' names among today's primary-school pupils.
pub(super) const JONGENS: &[&str] = &[
    "Noah", "Sem", "Liam", "Lucas", "Daan", "Finn", "Levi", "Luuk", "Mees", "James", "Milan", "Sam", "Noud", "Bram",
    "Jesse", "Thijs", "Adam", "Max", "Siem", "Mohammed", "Jens", "Julian", "Thomas", "Ruben", "Lars", "Tim", "Teun",
    "Olivier", "Hugo", "Gijs", "Boaz", "Morris", "Jurre", "Sven", "Stijn", "Tygo", "Ravi", "Ayoub", "Joep", "Floris",
];

/// Popular girls' names among today's primary-school pupils.
pub(super) const MEISJES: &[&str] = &[
    "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora", "Yara", "Eva", "Liv", "Lotte", "Evi", "Noor",
    "Anna", "Saar", "Milou", "Olivia", "Fenna", "Lieke", "Fleur", "Roos", "Isa", "Nina", "Elin", "Lina", "Maud",
    "Jasmijn", "Fatima", "Amira", "Hanna", "Femke", "Ilse", "Chloë", "Nova", "Luna", "Sofia", "Senna", "Merel", "Jill",
];

/// Second and third given names (doopnamen): the names that make voorletters longer than
/// one letter.
pub(super) const TWEEDE_JONGENS: &[&str] =
    &["Johannes", "Pieter", "Willem", "Cornelis", "Hendrik", "Jacobus", "Maria", "Gerard", "Jan", "Antonius", "Karel"];
pub(super) const TWEEDE_MEISJES: &[&str] =
    &["Maria", "Johanna", "Elisabeth", "Wilhelmina", "Catharina", "Anna", "Sophia", "Hendrika", "Cornelia", "Jacoba"];

/// Formal first names with the roepnaam a child actually goes by: the roepnaam is not
/// always the first voornaam, and consumers that assume it is get it wrong.
pub(super) const ROEPNAAM_JONGENS: &[(&str, &str)] = &[
    ("Alexander", "Alex"),
    ("Maximiliaan", "Max"),
    ("Benjamin", "Ben"),
    ("Theodorus", "Teun"),
    ("Sebastiaan", "Bas"),
    ("Willem", "Pim"),
    ("Johannes", "Hannes"),
];
pub(super) const ROEPNAAM_MEISJES: &[(&str, &str)] = &[
    ("Elisabeth", "Lisa"),
    ("Josephine", "Fien"),
    ("Catharina", "Cato"),
    ("Margaretha", "Margot"),
    ("Johanna", "Jo"),
    ("Alexandra", "Sanne"),
];

/// First names of teachers (a generation older than the pupils).
pub(super) const LEERKRACHT_VROUW: &[&str] = &[
    "Anouk", "Marieke", "Sanne", "Linda", "Esther", "Kim", "Ingrid", "Petra", "Marloes", "Annemiek", "Judith", "Ilse",
    "Monique", "Femke", "Renske", "Wendy", "Nicole", "Karin", "Mirjam", "Joke", "Astrid", "Inge", "Manon", "Lotte",
];
pub(super) const LEERKRACHT_MAN: &[&str] =
    &["Mark", "Jeroen", "Bas", "Wouter", "Tom", "Rick", "Erik", "Martijn", "Joost", "Dennis", "Sander", "Frank"];

/// Surnames with their voorvoegsel (kept apart, as EDEXML does; at most 10 characters).
pub(super) const ACHTERNAMEN: &[(&str, Option<&str>)] = &[
    ("Jong", Some("de")),
    ("Jansen", None),
    ("Vries", Some("de")),
    ("Berg", Some("van den")),
    ("Dijk", Some("van")),
    ("Bakker", None),
    ("Janssen", None),
    ("Visser", None),
    ("Smit", None),
    ("Meer", Some("van der")),
    ("Boer", Some("de")),
    ("Mulder", None),
    ("Groot", Some("de")),
    ("Bos", None),
    ("Vos", None),
    ("Peters", None),
    ("Hendriks", None),
    ("Leeuwen", Some("van")),
    ("Dekker", None),
    ("Brouwer", None),
    ("Wit", Some("de")),
    ("Dijkstra", None),
    ("Smits", None),
    ("Graaf", Some("de")),
    ("Linden", Some("van der")),
    ("Kok", None),
    ("Jacobs", None),
    ("Haan", Some("de")),
    ("Vermeulen", None),
    ("Heuvel", Some("van den")),
    ("Veen", Some("van der")),
    ("Broek", Some("van den")),
    ("Bruijn", Some("de")),
    ("Beek", Some("van der")),
    ("Wal", Some("van der")),
    ("Hoek", Some("van")),
    ("Kamp", Some("ter")),
    ("Veld", Some("in 't")),
    ("Horst", Some("ter")),
    ("Hof", Some("van 't")),
    ("Brink", Some("ten")),
    ("Sande", Some("van de")),
    ("Ven", Some("van de")),
    ("Akker", Some("van den")),
    ("Wijk", Some("van")),
    ("Postma", None),
    ("Hoekstra", None),
    ("Meijer", None),
    ("Koster", None),
    ("Prins", None),
    ("Huisman", None),
    ("Willems", None),
    ("Yılmaz", None),
    ("El Amrani", None),
    ("Nguyen", None),
    ("Kaya", None),
    ("Bouzid", None),
    ("Öztürk", None),
    ("Kowalski", None),
    ("Pinas", None),
];

/// Names of kleutergroepen: Dutch schools name them after animals rather than numbers.
pub(super) const DIERNAMEN: &[&str] = &[
    "Dolfijnen",
    "Egeltjes",
    "Vlinders",
    "Kikkers",
    "Uilen",
    "Zeesterren",
    "Lieveheersbeestjes",
    "Pinguïns",
    "Beren",
    "Vossen",
    "Eekhoorns",
    "Giraffen",
    "Olifanten",
    "Zebra's",
    "Schildpadden",
    "Zwaluwen",
];

/// School names: the prefix says the denomination (openbaar, christelijk, katholiek).
pub(super) const SCHOOLNAMEN: &[&str] = &[
    "OBS De Regenboog",
    "CBS De Wegwijzer",
    "KBS Sint Jozef",
    "OBS Het Kompas",
    "Basisschool De Vlieger",
    "CBS De Fontein",
    "IKC De Sterrenkijker",
    "OBS De Klimop",
    "Basisschool 't Palet",
    "KBS De Horizon",
];
