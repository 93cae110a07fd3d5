//! The schema order of each leerlinggegevens record, written once (leerlinggegevens.xsd,
//! 2.3): the reader finds each child by these tables and checks its slot; the writer takes
//! its tags from them, and debug builds check that it writes in this order.

use crate::message::field::schema_order;

schema_order! {
    /// The four requests (`groepen` only in `leerlingen_verzoek` / `leerkrachten_verzoek`).
    VerzoekChild {
        Schooljaar = "schooljaar" @ 0 one,
        Brincode = "brincode" @ 1 one,
        Dependancecode = "dependancecode" @ 2 one,
        Schoolkey = "schoolkey" @ 2 one,
        Xsdversie = "xsdversie" @ 3 one,
        Gegevenssetid = "gegevenssetid" @ 4 one,
        Laatstontvangengegevens = "laatstontvangengegevens" @ 5 one,
        Groepen = "groepen" @ 6 one,
    }
}

schema_order! {
    /// A data element (`leerlinggegevens` and the three getrapte ones, each a subset).
    BlockChild {
        School = "school" @ 0 one,
        Vestigingen = "vestigingen" @ 1 one,
        Groepen = "groepen" @ 2 one,
        Leerlingen = "leerlingen" @ 3 one,
        Leerkrachten = "leerkrachten" @ 4 one,
    }
}

schema_order! {
    /// `school`: brincode or instellingsnummer is a choice.
    SchoolChild {
        Schooljaar = "schooljaar" @ 0 one,
        Peildatum = "peildatum" @ 1 one,
        Brincode = "brincode" @ 2 one,
        Instellingsnummer = "instellingsnummer" @ 2 one,
        Dependancecode = "dependancecode" @ 3 one,
        Schoolkey = "schoolkey" @ 4 one,
        Aanmaakdatum = "aanmaakdatum" @ 5 one,
        Auteur = "auteur" @ 6 one,
        Xsdversie = "xsdversie" @ 7 one,
        Commentaar = "commentaar" @ 8 one,
        Toevoegingen = "toevoegingen" @ 9 one,
    }
}

schema_order! {
    /// `toevoegingen/blok` (an extension type may add children after these).
    BlokChild {
        Code = "code" @ 0 one,
        Omschrijving = "omschrijving" @ 1 one,
    }
}

schema_order! {
    VestigingChild {
        Naam = "naam" @ 0 one,
        Omschrijving = "omschrijving" @ 1 one,
        Mutatiedatum = "mutatiedatum" @ 2 one,
    }
}

schema_order! {
    GroepChild {
        Naam = "naam" @ 0 one,
        Jaargroep = "jaargroep" @ 1 one,
        Omschrijving = "omschrijving" @ 2 one,
        Toevoegingen = "toevoegingen" @ 3 one,
        Mutatiedatum = "mutatiedatum" @ 4 one,
    }
}

schema_order! {
    SamengesteldeGroepChild {
        Naam = "naam" @ 0 one,
        Omschrijving = "omschrijving" @ 1 one,
        Toevoegingen = "toevoegingen" @ 2 one,
        Mutatiedatum = "mutatiedatum" @ 3 one,
    }
}

schema_order! {
    /// The name parts that open both `leerling` and `leerkracht` (slots 0..=4; theirs follow).
    NaamChild {
        Achternaam = "achternaam" @ 0 one,
        Voorvoegsel = "voorvoegsel" @ 1 one,
        Voornamen = "voornamen" @ 2 one,
        Voorletters = "voorletters-1" @ 3 one,
        Roepnaam = "roepnaam" @ 4 one,
    }
}

schema_order! {
    /// `leerling` after its name parts; the persoonsnummer kinds are a choice, as are the
    /// postcode kinds.
    LeerlingChild {
        Geboortedatum = "geboortedatum" @ 5 one,
        Geslacht = "geslacht" @ 6 one,
        StartOndwJgr3 = "start_ondw_jgr3" @ 7 one,
        Jaargroep = "jaargroep" @ 8 one,
        Groep = "groep" @ 9 one,
        SamengesteldeGroepen = "samengestelde_groepen" @ 10 one,
        Vestiging = "vestiging" @ 11 one,
        Gebruikersnaam = "gebruikersnaam" @ 12 one,
        Emailadres = "emailadres" @ 13 one,
        Fotourl = "fotourl" @ 14 one,
        Etniciteit = "etniciteit" @ 15 one,
        Land = "land" @ 16 one,
        LandVader = "land_vader" @ 17 one,
        LandMoeder = "land_moeder" @ 18 one,
        Sofinummer = "sofinummer" @ 19 one,
        Bsn = "bsn" @ 19 one,
        Onderwijsnummer = "onderwijsnummer" @ 19 one,
        BsnOndwnr4 = "bsn_ondwnr-4" @ 19 one,
        Rijksregisternummer = "rijksregisternummer" @ 19 one,
        GewichtNieuw = "gewicht_nieuw" @ 20 one,
        Gewicht = "gewicht" @ 21 one,
        Postcodenl = "postcodenl" @ 22 one,
        Postnummerbe = "postnummerbe" @ 22 one,
        Postcodeoverig = "postcodeoverig" @ 22 one,
        Instroomdatum = "instroomdatum" @ 23 one,
        Uitstroomdatum = "uitstroomdatum" @ 24 one,
        Toevoegingen = "toevoegingen" @ 25 one,
        Mutatiedatum = "mutatiedatum" @ 26 one,
    }
}

schema_order! {
    /// `leerkracht` after its name parts: any number of roles, each a code or a description.
    LeerkrachtChild {
        Gebruikersnaam = "gebruikersnaam" @ 5 one,
        Emailadres = "emailadres" @ 6 one,
        Rol = "rol" @ 7 many,
        Rolomschrijving = "rolomschrijving" @ 7 many,
        Groepen = "groepen" @ 8 one,
        Toevoegingen = "toevoegingen" @ 9 one,
        Mutatiedatum = "mutatiedatum" @ 10 one,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::field::{in_schema_order, Child};

    #[test]
    fn every_table_is_in_schema_order() {
        in_schema_order(VerzoekChild::ALL).unwrap();
        in_schema_order(BlockChild::ALL).unwrap();
        in_schema_order(SchoolChild::ALL).unwrap();
        in_schema_order(BlokChild::ALL).unwrap();
        in_schema_order(VestigingChild::ALL).unwrap();
        in_schema_order(GroepChild::ALL).unwrap();
        in_schema_order(SamengesteldeGroepChild::ALL).unwrap();
        in_schema_order(NaamChild::ALL).unwrap();
        in_schema_order(LeerlingChild::ALL).unwrap();
        in_schema_order(LeerkrachtChild::ALL).unwrap();
        // The name parts come first in leerling and leerkracht.
        assert!(NaamChild::ALL.iter().all(|n| n.place() < 5));
        assert_eq!(LeerlingChild::ALL[0].place(), 5);
        assert_eq!(LeerkrachtChild::ALL[0].place(), 5);
    }

    /// The writer's debug check can fail: a pupil's children out of table order.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "schema-order table")]
    fn the_writer_keeps_to_the_table() {
        let mut w = crate::xml::writer::XmlWriter::new(Vec::new(), false);
        w.start("leerling", &[]);
        w.leaf(LeerlingChild::Geslacht, "jongen");
        w.leaf(LeerlingChild::Geboortedatum, "2015-01-01");
    }
}
